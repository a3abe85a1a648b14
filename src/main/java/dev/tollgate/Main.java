package dev.tollgate;

import dev.tollgate.config.ConfigException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** The command line: parses arguments, starts the gateway, prints how to call it. */
public final class Main {
  static final String USAGE =
      """
      Usage: java -jar tollgate.jar [--config FILE] [--port N] [--host ADDR] [--data-dir DIR]

        --config FILE    LiteLLM-format config.yaml (default: a built-in demo with mock models)
        --port N         port to listen on (default 4000)
        --host ADDR      address to bind (default 127.0.0.1)
        --data-dir DIR   where Tollgate keeps its state (default ./tollgate-data)
        --help           print this help

      The master key comes from TOLLGATE_MASTER_KEY, else general_settings.master_key,
      else one generated on first start and kept in the data dir.
      Secrets of models created through the API are encrypted with TOLLGATE_SALT_KEY
      (else LITELLM_SALT_KEY); `java -jar tollgate.jar rotate-salt-key --help` re-encrypts them.
      `java -jar tollgate.jar import-litellm --help` brings a LiteLLM database's keys, users,
      teams and spend over.
      """;

  private Main() {}

  public static void main(String[] args) {
    // Before the first logger exists: SLF4J picks its provider, and slf4j-simple reads its level,
    // once, at start. Naming the provider keeps slf4j-simple's own from being chosen instead.
    System.setProperty("slf4j.provider", "dev.tollgate.logging.TollgateServiceProvider");
    // SLF4J would say so on stderr, a text line ahead of JSON ones.
    System.setProperty("slf4j.internal.verbosity", "WARN");
    try {
      logLevel(System.getenv("TOLLGATE_LOG"), System.getenv("LITELLM_LOG"))
          .ifPresent(l -> System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", l));
    } catch (IllegalArgumentException e) {
      System.err.println("tollgate: " + e.getMessage());
      System.exit(2);
    }
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * The log level {@code TOLLGATE_LOG}, else LiteLLM's {@code LITELLM_LOG}, asks for, in
   * slf4j-simple's words ({@code trace}, {@code debug}, {@code info}, {@code warn}, {@code error});
   * LiteLLM's {@code WARNING} and {@code CRITICAL} are {@code warn} and {@code error}. Empty when
   * neither is set.
   *
   * @throws IllegalArgumentException for a value that names no level
   */
  static java.util.Optional<String> logLevel(
      @org.jspecify.annotations.Nullable String tollgate,
      @org.jspecify.annotations.Nullable String litellm) {
    String v = tollgate != null && !tollgate.isBlank() ? tollgate : litellm;
    if (v == null || v.isBlank()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        switch (v.strip().toUpperCase(java.util.Locale.ROOT)) {
          case "TRACE" -> "trace";
          case "DEBUG" -> "debug";
          case "INFO" -> "info";
          case "WARN", "WARNING" -> "warn";
          case "ERROR", "CRITICAL" -> "error";
          default ->
              throw new IllegalArgumentException(
                  "TOLLGATE_LOG / LITELLM_LOG must be DEBUG, INFO, WARNING or ERROR, got '"
                      + v
                      + "'");
        });
  }

  /** Runs the command line; returns the exit code, or 0 once the gateway is serving. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0 && args[0].equals("rotate-salt-key")) {
      return RotateSaltKey.run(
          java.util.Arrays.copyOfRange(args, 1, args.length),
          dev.tollgate.config.Environment.system(),
          out,
          err);
    }
    if (args.length > 0 && args[0].equals("import-litellm")) {
      return dev.tollgate.migrate.ImportLitellm.run(
          java.util.Arrays.copyOfRange(args, 1, args.length),
          dev.tollgate.config.Environment.system(),
          out,
          err);
    }
    GatewayOptions options;
    try {
      options = parse(args);
    } catch (UsageException e) {
      err.println("tollgate: " + e.getMessage());
      err.println("Run with --help for usage.");
      return 2;
    }
    if (options == null) {
      out.print(USAGE);
      return 0;
    }
    Gateway gateway;
    try {
      gateway = Gateway.start(options);
    } catch (ConfigException e) {
      err.println("tollgate: invalid config: " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      err.println("tollgate: cannot start: " + e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "tollgate-shutdown"));
    long startedMs =
        System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
    banner(out, gateway, startedMs);
    return 0;
  }

  private static void banner(PrintStream out, Gateway g, long startedMs) {
    String base = "http://" + hostForUrl(g) + ":" + g.port();
    String group =
        g.registry().current().groups().stream().findFirst().map(x -> x.name()).orElse("MODEL");
    String key = g.masterKeyGenerated() ? g.masterKey() : "$TOLLGATE_MASTER_KEY";
    out.println("Tollgate ready on " + base + " in " + startedMs + " ms");
    out.println("  config: " + g.config().source());
    out.println(
        "  model groups: "
            + String.join(
                ", ", g.registry().current().groups().stream().map(x -> x.name()).toList()));
    if (g.masterKeyGenerated()) {
      out.println("  master key (generated, shown once, kept in the data dir): " + g.masterKey());
    }
    out.println("Try it:");
    out.println("  curl " + base + "/v1/chat/completions \\");
    out.println(
        "    -H 'Authorization: Bearer " + key + "' -H 'Content-Type: application/json' \\");
    out.println(
        "    -d '{\"model\": \""
            + group
            + "\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}'");
    out.flush();
  }

  private static String hostForUrl(Gateway g) {
    return "127.0.0.1";
  }

  /** Parses arguments; null means --help. */
  static @Nullable GatewayOptions parse(String[] args) throws UsageException {
    GatewayOptions o = GatewayOptions.defaults();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      switch (name) {
        case "--help", "-h" -> {
          return null;
        }
        case "--config", "--port", "--host", "--data-dir" -> {
          if (value == null) {
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
              throw new UsageException(name + " needs a value");
            }
            value = args[++i];
          }
          o = apply(o, name, value);
        }
        default -> throw new UsageException("unknown argument '" + arg + "'");
      }
    }
    return o;
  }

  private static GatewayOptions apply(GatewayOptions o, String name, String value)
      throws UsageException {
    return switch (name) {
      case "--config" -> o.withConfig(Path.of(value));
      case "--host" -> {
        if (value.isBlank()) {
          throw new UsageException("--host needs an address");
        }
        yield o.withHost(value);
      }
      case "--data-dir" -> o.withDataDir(Path.of(value));
      default -> {
        int port;
        try {
          port = Integer.parseInt(value);
        } catch (NumberFormatException e) {
          throw new UsageException("--port must be a number from 0 to 65535, got '" + value + "'");
        }
        if (port < 0 || port > 65535) {
          throw new UsageException("--port must be a number from 0 to 65535, got '" + value + "'");
        }
        yield o.withPort(port);
      }
    };
  }

  /** A bad command line. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}

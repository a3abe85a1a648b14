package dev.tollgate;

import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Environment;
import dev.tollgate.secrets.ModelSecrets;
import dev.tollgate.secrets.SecretCipher;
import dev.tollgate.store.Database;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code tollgate rotate-salt-key}: re-encrypts every secret of the stored models under the current
 * salt key ({@code TOLLGATE_SALT_KEY}, else {@code LITELLM_SALT_KEY}), opening values sealed by the
 * old key named with {@code --old-key-env}, and sealing plaintext ones. Idempotent. Runs on the
 * calling thread and blocks; it opens the same store the gateway would.
 */
final class RotateSaltKey {
  static final String USAGE =
      """
      Usage: java -jar tollgate.jar rotate-salt-key [--old-key-env NAME] [--config FILE] [--data-dir DIR]

        --old-key-env NAME  the environment variable holding the previous salt key
                            (omit it to only encrypt secrets still stored in plaintext)
        --config FILE       the gateway's config.yaml, for general_settings.database_url
        --data-dir DIR      the gateway's data dir (default ./tollgate-data), for SQLite

      The new salt key is TOLLGATE_SALT_KEY, else LITELLM_SALT_KEY. Values already under it are
      left alone, so the command can be run again safely. Restart the gateways with the new key
      afterwards.
      """;

  private RotateSaltKey() {}

  /** Runs the subcommand on {@code args} (after the subcommand's name); returns the exit code. */
  static int run(String[] args, Environment env, PrintStream out, PrintStream err) {
    Optional<String> oldEnv = Optional.empty();
    Optional<Path> config = Optional.empty();
    Path dataDir = GatewayOptions.DEFAULT_DATA_DIR;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (name.equals("--help") || name.equals("-h")) {
        out.print(USAGE);
        return 0;
      }
      String value;
      int eq = name.indexOf('=');
      if (name.startsWith("--") && eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        err.println("tollgate rotate-salt-key: " + name + " needs a value");
        return 2;
      }
      switch (name) {
        case "--old-key-env" -> oldEnv = Optional.of(value);
        case "--config" -> config = Optional.of(Path.of(value));
        case "--data-dir" -> dataDir = Path.of(value);
        default -> {
          err.println("tollgate rotate-salt-key: unknown argument '" + name + "'");
          err.print(USAGE);
          return 2;
        }
      }
    }
    Optional<SecretCipher> current = SecretCipher.fromEnvironment(env);
    if (current.isEmpty()) {
      err.println(
          "tollgate rotate-salt-key: set "
              + SecretCipher.ENV
              + " (or "
              + SecretCipher.LITELLM_ENV
              + ") to the new salt key");
      return 2;
    }
    Optional<SecretCipher> old = Optional.empty();
    if (oldEnv.isPresent()) {
      Optional<String> oldKey = env.get(oldEnv.get());
      if (oldKey.isEmpty()) {
        err.println("tollgate rotate-salt-key: " + oldEnv.get() + " is not set");
        return 2;
      }
      old = Optional.of(SecretCipher.of(oldKey.get()));
    }
    Optional<String> url;
    try {
      url =
          config.isPresent()
              ? ConfigLoader.load(config.get(), env).general().databaseUrl()
              : Optional.empty();
    } catch (ConfigException e) {
      err.println("tollgate rotate-salt-key: invalid config: " + e.getMessage());
      return 1;
    }
    url = url.or(() -> env.get("DATABASE_URL"));
    ModelSecrets.Rotation r;
    try (Database db = Database.open(url, dataDir)) {
      r = ModelSecrets.rotate(db.models(), old, current.get(), System.currentTimeMillis());
    } catch (RuntimeException e) {
      err.println("tollgate rotate-salt-key: " + e.getMessage());
      return 1;
    }
    out.println(
        "rotate-salt-key: "
            + r.models()
            + " stored model(s), "
            + r.rewritten()
            + " re-encrypted under key id "
            + current.get().keyId());
    r.failures().forEach(f -> err.println("tollgate rotate-salt-key: not rotated: " + f));
    return r.failures().isEmpty() ? 0 : 1;
  }
}

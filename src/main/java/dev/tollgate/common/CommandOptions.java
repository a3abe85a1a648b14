package dev.tollgate.common;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses a subcommand's options, each {@code --name value} or {@code --name=value}, and {@code
 * --help}. Stateless.
 */
public final class CommandOptions {
  private final Map<String, String> values;

  private CommandOptions(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /** The value given for {@code name} (such as {@code --config}), if any. */
  public Optional<String> get(String name) {
    return Optional.ofNullable(values.get(name));
  }

  /** What {@link #parse} found: the options, or the exit code to return at once. */
  public sealed interface Parsed permits Values, Exit {}

  /** The options given. */
  public record Values(CommandOptions options) implements Parsed {}

  /** 0 after printing the usage for {@code --help}; 2 after naming a bad argument. */
  public record Exit(int code) implements Parsed {}

  /**
   * Parses {@code args} (after the subcommand's name) for the options {@code names}; a bad one is
   * named on {@code err} as {@code tollgate <command>: ...}.
   */
  public static Parsed parse(
      String command,
      String[] args,
      Set<String> names,
      String usage,
      PrintStream out,
      PrintStream err) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (name.equals("--help") || name.equals("-h")) {
        out.print(usage);
        return new Exit(0);
      }
      String value;
      int eq = name.indexOf('=');
      if (name.startsWith("--") && eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        err.println("tollgate " + command + ": " + name + " needs a value");
        return new Exit(2);
      }
      if (!names.contains(name)) {
        err.println("tollgate " + command + ": unknown argument '" + name + "'");
        err.print(usage);
        return new Exit(2);
      }
      values.put(name, value);
    }
    return new Values(new CommandOptions(values));
  }
}

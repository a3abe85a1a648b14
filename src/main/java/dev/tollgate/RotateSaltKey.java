package dev.tollgate;

import dev.tollgate.common.CommandOptions;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Environment;
import dev.tollgate.secrets.ModelSecrets;
import dev.tollgate.secrets.SecretCipher;
import dev.tollgate.store.Database;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

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
    CommandOptions.Parsed parsed =
        CommandOptions.parse(
            "rotate-salt-key",
            args,
            Set.of("--old-key-env", "--config", "--data-dir"),
            USAGE,
            out,
            err);
    if (!(parsed instanceof CommandOptions.Values(CommandOptions o))) {
      return ((CommandOptions.Exit) parsed).code();
    }
    Optional<String> oldEnv = o.get("--old-key-env");
    Optional<Path> config = o.get("--config").map(Path::of);
    Path dataDir = o.get("--data-dir").map(Path::of).orElse(GatewayOptions.DEFAULT_DATA_DIR);
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

package dev.tollgate.migrate;

import dev.tollgate.GatewayOptions;
import dev.tollgate.budget.BudgetSettings;
import dev.tollgate.budget.Windows;
import dev.tollgate.common.CommandOptions;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Environment;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.secrets.SecretCipher;
import dev.tollgate.store.Database;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;

/**
 * {@code tollgate import-litellm}: reads a LiteLLM PostgreSQL database and writes its keys, users,
 * teams, organizations, budgets, end users, tags, stored models and spend into the store the
 * gateway's config selects. Prints one summary; idempotent. Blocks on the calling thread.
 */
public final class ImportLitellm {
  static final String USAGE =
      """
      Usage: java -jar tollgate.jar import-litellm --database-url URL [--salt-key KEY]
                                                   [--config FILE] [--data-dir DIR]

        --database-url URL  LiteLLM's DATABASE_URL (postgresql://user:pass@host:port/db); read only
        --salt-key KEY      LiteLLM's LITELLM_SALT_KEY (else its master key), to decrypt the
                            credentials of the models stored in its database (default: the
                            LITELLM_SALT_KEY environment variable)
        --config FILE       Tollgate's config.yaml, for general_settings.database_url and
                            litellm_settings.timezone
        --data-dir DIR      Tollgate's data dir (default ./tollgate-data), for SQLite

      Keys keep working: both products store the SHA-256 of a key. Spend, limits, budget windows,
      model access, metadata, aliases, expiry and blocking come along. What is already in Tollgate
      is left as it is, so the command can be run again safely. Exit code 0 when everything was
      imported or already there, 1 when something was skipped or needs the operator (listed).
      """;

  private ImportLitellm() {}

  /** Runs the subcommand on {@code args} (after the subcommand's name); returns the exit code. */
  public static int run(String[] args, Environment env, PrintStream out, PrintStream err) {
    CommandOptions.Parsed parsed =
        CommandOptions.parse(
            "import-litellm",
            args,
            Set.of("--database-url", "--salt-key", "--config", "--data-dir"),
            USAGE,
            out,
            err);
    if (!(parsed instanceof CommandOptions.Values(CommandOptions o))) {
      return ((CommandOptions.Exit) parsed).code();
    }
    Optional<String> source = o.get("--database-url");
    Optional<String> saltKey = o.get("--salt-key");
    Optional<Path> config = o.get("--config").map(Path::of);
    Path dataDir = o.get("--data-dir").map(Path::of).orElse(GatewayOptions.DEFAULT_DATA_DIR);
    if (source.isEmpty()) {
      err.println("tollgate import-litellm: --database-url is required (LiteLLM's DATABASE_URL)");
      return 2;
    }
    Optional<GatewayConfig> cfg;
    Windows windows;
    try {
      cfg =
          config.isPresent() ? Optional.of(ConfigLoader.load(config.get(), env)) : Optional.empty();
      windows =
          new Windows(
              cfg.isPresent()
                  ? BudgetSettings.from(cfg.get().litellm()).timezone()
                  : ZoneOffset.UTC);
    } catch (ConfigException | IllegalArgumentException e) {
      err.println("tollgate import-litellm: invalid config: " + e.getMessage());
      return 1;
    }
    Optional<String> target =
        cfg.flatMap(c -> c.general().databaseUrl()).or(() -> env.get("DATABASE_URL"));
    if (target.isPresent() && target.get().strip().equals(source.get().strip())) {
      err.println(
          "tollgate import-litellm: --database-url is the database Tollgate would write to; give"
              + " Tollgate its own database (general_settings.database_url) or use SQLite");
      return 2;
    }
    Optional<String> litellmKey = saltKey.or(() -> env.get(SecretCipher.LITELLM_ENV));
    Optional<LitellmCipher> opener;
    try {
      opener = litellmKey.map(LitellmCipher::of);
    } catch (IllegalArgumentException e) {
      err.println("tollgate import-litellm: --salt-key: " + e.getMessage());
      return 2;
    }
    // Secrets are sealed under the key the gateway will open them with.
    Optional<SecretCipher> sealer =
        SecretCipher.fromEnvironment(env).or(() -> litellmKey.map(SecretCipher::of));
    ImportReport report;
    try (Connection litellm = Database.connectPostgres(source.get());
        Database db = Database.open(target, dataDir)) {
      litellm.setReadOnly(true);
      out.println("import-litellm: from LiteLLM's database into " + db.description());
      report = new Importer(db, opener, sealer, windows, Clock.systemUTC()).run(litellm);
    } catch (SQLException e) {
      err.println("tollgate import-litellm: reading LiteLLM's database failed: " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      err.println("tollgate import-litellm: " + e.getMessage());
      return 1;
    }
    if (saltKey.isPresent()
        && SecretCipher.fromEnvironment(env).isEmpty()
        && report.count("model", 0) > 0) {
      report.note(
          "model secrets were encrypted under the --salt-key value: start the gateway with "
              + SecretCipher.LITELLM_ENV
              + " (or "
              + SecretCipher.ENV
              + ") set to it");
    }
    report.print(out);
    return report.complete() ? 0 : 1;
  }
}

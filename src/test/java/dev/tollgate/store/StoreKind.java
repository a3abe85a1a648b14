package dev.tollgate.store;

import dev.tollgate.testing.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** The two databases every store test runs against. */
enum StoreKind {
  SQLITE,
  POSTGRESQL;

  /** A new, empty store: a fresh data dir, and for PostgreSQL a fresh database. */
  Target fresh() {
    try {
      Path dir = Files.createTempDirectory("tollgate-store-" + name().toLowerCase(Locale.ROOT));
      return new Target(
          dir, this == POSTGRESQL ? Optional.of(TestPostgres.freshDatabase()) : Optional.empty());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where a test's store lives; open it as often as the test needs. */
  record Target(Path dataDir, Optional<String> url) {
    Database open() {
      return Database.open(url, dataDir);
    }

    Database open(SpendLog.Options options) {
      return Database.open(url, dataDir, options);
    }
  }
}

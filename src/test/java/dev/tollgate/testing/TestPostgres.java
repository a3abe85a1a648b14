package dev.tollgate.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL for tests: the server named by {@code TOLLGATE_TEST_DATABASE_URL} (a LiteLLM-style
 * {@code postgresql://user:pass@host:port/db} whose user may create databases), or else one
 * embedded PostgreSQL 17 started once per JVM and shared. Each test asks for a {@link
 * #freshDatabase() fresh database} so tests stay isolated. Thread-safe.
 */
public final class TestPostgres {
  public static final String ENV = "TOLLGATE_TEST_DATABASE_URL";

  private static @Nullable Server shared;

  private TestPostgres() {}

  /** A server's address and credentials. */
  public record Server(String host, int port, String user, String password, String adminDb) {
    /** The LiteLLM-style URL of database {@code db} on this server. */
    public String url(String db) {
      return "postgresql://" + user + ":" + password + "@" + host + ":" + port + "/" + db;
    }

    String jdbc(String db) {
      return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    /** Creates an empty database with a random name and returns its LiteLLM-style URL. */
    public String freshDatabase() {
      String name = "t_" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT);
      try (Connection c = DriverManager.getConnection(jdbc(adminDb), user, password);
          Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + name);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot create a test database: " + e.getMessage(), e);
      }
      return url(name);
    }
  }

  /** The shared server, started on first use. */
  public static synchronized Server shared() {
    if (shared == null) {
      Optional<String> url = Optional.ofNullable(System.getenv(ENV)).filter(s -> !s.isBlank());
      shared = url.isPresent() ? fromUrl(url.get()) : fromEmbedded(startEmbedded());
    }
    return shared;
  }

  /** A fresh, empty database on the shared server, as a LiteLLM-style URL. */
  public static String freshDatabase() {
    return shared().freshDatabase();
  }

  /** Whether tests use an external server (so they cannot stop and start it). */
  public static boolean external() {
    return Optional.ofNullable(System.getenv(ENV)).filter(s -> !s.isBlank()).isPresent();
  }

  /** The address and credentials of an embedded server. */
  public static Server fromEmbedded(EmbeddedPostgres pg) {
    return new Server("127.0.0.1", pg.getPort(), "postgres", "postgres", "postgres");
  }

  /**
   * Starts an embedded server of this test's own, with its data in {@code dataDir} (kept on close,
   * so it can be restarted on the same port) or in a temporary directory when null.
   */
  public static EmbeddedPostgres startEmbedded(@Nullable Path dataDir, int port) {
    try {
      EmbeddedPostgres.Builder b = EmbeddedPostgres.builder();
      if (dataDir != null) {
        b.setDataDirectory(dataDir).setCleanDataDirectory(false);
      }
      if (port > 0) {
        b.setPort(port);
      }
      return b.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
  }

  private static EmbeddedPostgres startEmbedded() {
    long t0 = System.nanoTime();
    EmbeddedPostgres pg = startEmbedded(null, 0);
    System.out.printf(
        "embedded PostgreSQL started in %d ms on port %d%n",
        (System.nanoTime() - t0) / 1_000_000, pg.getPort());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    pg.close();
                  } catch (IOException e) {
                    // the JVM is exiting; nothing more to do
                  }
                }));
    return pg;
  }

  private static Server fromUrl(String url) {
    URI u =
        URI.create(url.replaceFirst("^jdbc:", "").replaceFirst("^postgres://", "postgresql://"));
    String userInfo = u.getRawUserInfo() == null ? "postgres:" : u.getRawUserInfo();
    int colon = userInfo.indexOf(':');
    String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
    String password = colon < 0 ? "" : userInfo.substring(colon + 1);
    String db =
        u.getPath() == null || u.getPath().length() <= 1 ? "postgres" : u.getPath().substring(1);
    return new Server(
        u.getHost(),
        u.getPort() < 0 ? 5432 : u.getPort(),
        URLDecoder.decode(user, StandardCharsets.UTF_8),
        URLDecoder.decode(password, StandardCharsets.UTF_8),
        db);
  }
}

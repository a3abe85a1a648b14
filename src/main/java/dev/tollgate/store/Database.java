package dev.tollgate.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tollgate.budget.CounterStore;
import dev.tollgate.common.PrivateFiles;
import dev.tollgate.governance.AuditLog;
import dev.tollgate.governance.Entity;
import dev.tollgate.governance.GovernanceStore;
import dev.tollgate.routing.ModelStore;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The store: SQLite at {@code <dataDir>/tollgate.db} by default, or PostgreSQL when a database URL
 * is given. {@link #open} connects, runs the migrations and replays any spend journal left by the
 * last run; the accessors hand out the store-backed model store, spend log, spend reports and
 * change notifier. Thread-safe. Every method blocks, so call them from a worker thread.
 *
 * <p>SQLite runs in WAL mode with {@code synchronous=FULL} and one pooled connection, shared by the
 * spend writer and readers: one writer is all SQLite allows, and a single connection makes that
 * explicit. PostgreSQL gets a HikariCP pool (10 connections unless the URL's {@code
 * connection_limit} says otherwise).
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  /** The SQLite file in the data dir. */
  public static final String SQLITE_FILE = "tollgate.db";

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  /** Which database this is. */
  public enum Kind {
    SQLITE,
    POSTGRESQL
  }

  private final Kind kind;
  private final String description;
  private final HikariDataSource pool;
  private final DataSource direct;
  private final SpendLog spendLog;
  private final JdbcModelStore models;
  private final JdbcSpendQueries queries;
  private final JdbcGovernanceStore governance;
  private final JdbcAuditLog audit;
  private final JdbcCounterStore counters;
  private final InstanceRegistry instances;
  private final RevokedSessions revokedSessions;
  private final List<ChangeNotifier> notifiers = new CopyOnWriteArrayList<>();
  private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();

  private Database(
      Kind kind,
      String description,
      HikariDataSource pool,
      DataSource direct,
      Path dataDir,
      SpendLog.Options spendOptions)
      throws IOException {
    this.kind = kind;
    this.description = description;
    this.pool = pool;
    this.direct = direct;
    this.models = new JdbcModelStore(pool);
    this.queries = new JdbcSpendQueries(pool, kind);
    this.governance = new JdbcGovernanceStore(pool, Clock.systemUTC());
    this.audit = new JdbcAuditLog(pool, Clock.systemUTC());
    this.counters = new JdbcCounterStore(pool, Clock.systemUTC());
    this.instances = new InstanceRegistry(pool);
    this.revokedSessions = new RevokedSessions(pool);
    this.spendLog = new SpendLog(pool, () -> problem().isEmpty(), dataDir, spendOptions);
  }

  /**
   * Opens the database: PostgreSQL at {@code url} (LiteLLM's {@code
   * postgresql://user:pass@host:port/db}, {@code postgres://} or {@code jdbc:postgresql://}), or
   * SQLite in {@code dataDir} when there is no URL. The spend journal and dead-letter file live in
   * {@code dataDir} either way. Throws {@link StoreException} naming the problem (a malformed URL,
   * an unreachable database, a failed migration), never with the password in it.
   */
  public static Database open(Optional<String> url, Path dataDir) {
    return open(url, dataDir, SpendLog.Options.defaults());
  }

  static Database open(Optional<String> url, Path dataDir, SpendLog.Options spendOptions) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(dataDir, "dataDir");
    try {
      PrivateFiles.directory(dataDir);
    } catch (IOException e) {
      throw new StoreException("cannot create the data dir " + dataDir + ": " + e.getMessage(), e);
    }
    Optional<String> given = url.map(String::strip).filter(s -> !s.isEmpty());
    return given.isPresent()
        ? openPostgres(DatabaseUrl.parse(given.get()), dataDir, spendOptions)
        : openSqlite(dataDir, spendOptions);
  }

  /**
   * One plain connection to the PostgreSQL database at {@code url} (any form {@link #open} takes),
   * without migrating it: for reading another product's tables ({@code tollgate import-litellm}).
   * Throws {@link StoreException} naming the problem, never with the password.
   */
  public static Connection connectPostgres(String url) {
    DatabaseUrl u = DatabaseUrl.parse(url);
    try {
      return pgDataSource(u).getConnection();
    } catch (SQLException e) {
      throw new StoreException(
          "cannot connect to PostgreSQL at "
              + u.display()
              + ": "
              + u.redact(String.valueOf(e.getMessage())),
          e);
    }
  }

  private static Database openSqlite(Path dataDir, SpendLog.Options spendOptions) {
    Path file = dataDir.resolve(SQLITE_FILE).toAbsolutePath();
    try {
      // Owner-only before SQLite opens it; its -wal and -shm files take the same permissions.
      PrivateFiles.file(file);
    } catch (IOException e) {
      throw new StoreException(
          "cannot create the database file " + file + ": " + e.getMessage(), e);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(10_000);
    config.enforceForeignKeys(true);
    SQLiteDataSource direct = new SQLiteDataSource(config);
    direct.setUrl("jdbc:sqlite:" + file);
    String description = "SQLite at " + file;
    migrate(direct, Optional.empty(), description, UnaryOperator.identity());

    HikariConfig hc = new HikariConfig();
    hc.setPoolName("tollgate-sqlite");
    hc.setDataSource(direct);
    hc.setMaximumPoolSize(1);
    // with one connection, a caller may wait for a long report or a big batch to finish
    hc.setConnectionTimeout(30_000);
    return finish(
        Kind.SQLITE, description, hc, direct, dataDir, spendOptions, UnaryOperator.identity());
  }

  private static Database openPostgres(
      DatabaseUrl url, Path dataDir, SpendLog.Options spendOptions) {
    PGSimpleDataSource direct = pgDataSource(url);
    direct.setReWriteBatchedInserts(true);
    direct.setTcpKeepAlive(true);
    // a dead peer must not hold the spend writer forever; reports finish well within this
    direct.setSocketTimeout(120);
    String description = "PostgreSQL at " + url.display();
    migrate(direct, url.schema(), description, url::redact);

    HikariConfig hc = new HikariConfig();
    hc.setPoolName("tollgate-postgresql");
    hc.setDataSource(direct);
    hc.setMaximumPoolSize(url.poolSize().orElse(10));
    // short, so that an away database is noticed quickly (the spend log then journals)
    hc.setConnectionTimeout(url.poolTimeoutMillis().orElse(2_000));
    return finish(Kind.POSTGRESQL, description, hc, direct, dataDir, spendOptions, url::redact);
  }

  /** A driver data source for {@code url}: address, credentials, schema and its parameters. */
  private static PGSimpleDataSource pgDataSource(DatabaseUrl url) {
    PGSimpleDataSource direct = new PGSimpleDataSource();
    direct.setURL(url.jdbcUrl());
    url.user().ifPresent(direct::setUser);
    url.password().ifPresent(direct::setPassword);
    url.schema().ifPresent(direct::setCurrentSchema);
    direct.setApplicationName("tollgate");
    direct.setConnectTimeout(10);
    for (Map.Entry<String, String> p : url.properties().entrySet()) {
      try {
        direct.setProperty(p.getKey(), p.getValue());
      } catch (SQLException e) {
        LOG.warn(
            "database URL: ignoring query parameter '{}', which the PostgreSQL driver does not know",
            p.getKey());
      }
    }
    return direct;
  }

  private static void migrate(
      DataSource direct,
      Optional<String> schema,
      String description,
      UnaryOperator<String> redact) {
    FluentConfiguration config =
        Flyway.configure(Database.class.getClassLoader())
            .dataSource(direct)
            .locations("classpath:db/migration")
            .failOnMissingLocations(true);
    schema.ifPresent(config::schemas);
    try {
      MigrateResult result = config.load().migrate();
      LOG.info(
          "store: {}, schema version {}{}",
          description,
          result.targetSchemaVersion == null
              ? result.initialSchemaVersion
              : result.targetSchemaVersion,
          result.migrationsExecuted > 0
              ? " (" + result.migrationsExecuted + " migrations applied)"
              : "");
    } catch (FlywayException e) {
      SQLException sql = rootSqlException(e);
      throw sql != null
          ? new StoreException(
              redact.apply("cannot open " + description + ": " + sql.getMessage()), null)
          : new StoreException(
              redact.apply("cannot migrate " + description + ": " + e.getMessage()), null);
    }
  }

  private static Database finish(
      Kind kind,
      String description,
      HikariConfig hc,
      DataSource direct,
      Path dataDir,
      SpendLog.Options spendOptions,
      UnaryOperator<String> redact) {
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hc);
    } catch (RuntimeException e) {
      SQLException sql = rootSqlException(e);
      throw new StoreException(
          redact.apply(
              "cannot open "
                  + description
                  + ": "
                  + (sql != null ? sql.getMessage() : e.getMessage())),
          null);
    }
    try {
      return new Database(kind, description, pool, direct, dataDir, spendOptions);
    } catch (IOException | RuntimeException e) {
      pool.close();
      throw new StoreException(
          "cannot open the spend journal in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  private static @Nullable SQLException rootSqlException(Throwable e) {
    SQLException found = null;
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof SQLException s) {
        found = s;
      }
    }
    return found;
  }

  public Kind kind() {
    return kind;
  }

  /** {@code SQLite at <path>} or {@code PostgreSQL at user@host:port/db}; safe to log. */
  public String description() {
    return description;
  }

  /** The API-created deployments. */
  public ModelStore models() {
    return models;
  }

  /** The spend log; hand it to the request path as its {@link dev.tollgate.budget.SpendSink}. */
  public SpendLog spendLog() {
    return spendLog;
  }

  /** The spend reports. */
  public SpendQueries spendQueries() {
    return queries;
  }

  /** Keys, users, teams, organizations, customers, tags and shared budgets. */
  public AuditLog auditLog() {
    return audit;
  }

  /** An entity as the audit log records it: as stored, which holds no secret. */
  public static String auditJson(Entity e) {
    return GovernanceJson.encode(e);
  }

  public GovernanceStore governance() {
    return governance;
  }

  /** The budget engine's spend counters, so that spend and windows survive a restart. */
  public CounterStore counters() {
    return counters;
  }

  /**
   * Counts every budget counter of a current window again from the spend rows charged to it, and
   * corrects (and logs) each that disagrees; returns how many were corrected. The counters move in
   * the spend log's transactions, so only a counter changed by hand, or restored apart from the
   * spend log, can disagree. Blocks; call at start, before the counters are loaded.
   */
  public int reconcileCounters(long nowMillis) {
    return counters.reconcile(nowMillis).size();
  }

  /** The gateway instances using this store. */
  public InstanceRegistry instances() {
    return instances;
  }

  /** The admin UI sessions logged out on any instance using this store. */
  public RevokedSessions revokedSessions() {
    return revokedSessions;
  }

  /**
   * Starts hearing changes made by other instances: {@code listener} runs on a notifier thread (so
   * it must hand real work off) with the topic of each change heard. On SQLite it never runs.
   * Closed with the database.
   */
  public ChangeNotifier changeNotifier(Consumer<ChangeNotifier.Topic> listener) {
    Objects.requireNonNull(listener, "listener");
    ChangeNotifier n =
        kind == Kind.POSTGRESQL
            ? new PgChangeNotifier(pool, direct, listener)
            : ChangeNotifier.none();
    notifiers.add(n);
    return n;
  }

  /**
   * The store's state for {@code /health/readiness}: whether the database answers (within two
   * seconds) and whether the spend log is caught up. Blocks up to about two seconds.
   */
  public Health health() {
    Optional<String> problem = problem();
    SpendLog.Stats s = spendLog.stats();
    if (problem.isPresent()) {
      return new Health(
          Health.State.DOWN,
          description
              + " does not answer ("
              + problem.get()
              + "); spend records are kept in "
              + spendLog.journalFile()
              + " until it does");
    }
    if (s.degraded() || s.journalPending() > 0) {
      return new Health(
          Health.State.DEGRADED,
          description
              + ": the spend log is catching up, "
              + s.journalPending()
              + " records waiting in "
              + spendLog.journalFile());
    }
    if (s.deadLettered() > 0) {
      return new Health(
          Health.State.DEGRADED,
          description
              + ": "
              + s.deadLettered()
              + " spend records could not be stored and are in "
              + spendLog.deadLetterFile());
    }
    return new Health(Health.State.UP, description);
  }

  /** Why the database does not answer within {@link #PROBE_TIMEOUT}, or empty when it does. */
  private Optional<String> problem() {
    Future<Optional<String>> probe =
        probes.submit(
            () -> {
              try (Connection c = pool.getConnection()) {
                return c.isValid((int) PROBE_TIMEOUT.toSeconds())
                    ? Optional.<String>empty()
                    : Optional.of("the connection is not valid");
              } catch (SQLException e) {
                SQLException root = rootSqlException(e);
                return Optional.of(
                    Objects.requireNonNullElse(
                        (root != null ? root : e).getMessage(), e.toString()));
              }
            });
    try {
      return probe.get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return Optional.of("no answer within " + PROBE_TIMEOUT.toSeconds() + " s");
    } catch (ExecutionException e) {
      return Optional.of(String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }

  /** The connection pool, for tests. */
  DataSource pool() {
    return pool;
  }

  /**
   * Flushes the spend log (see {@link SpendLog#close}), stops the change notifiers and closes the
   * pool. Call it on shutdown after the HTTP servers have stopped.
   */
  @Override
  public void close() {
    try {
      spendLog.close();
    } finally {
      notifiers.forEach(ChangeNotifier::close);
      pool.close();
      probes.shutdownNow();
    }
  }
}

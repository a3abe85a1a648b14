package dev.tollgate.store;

import static dev.tollgate.store.SpendLogIT.awaitTrue;
import static dev.tollgate.store.SpendLogIT.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stopped and started again while spend records keep coming (about 10,000 a second):
 * nothing lost, nothing doubled. The outage lasts a few seconds by default; the 60 s under
 * load is the same test with {@code -Dtollgate.outage.seconds=60} (see docs/store.md).
 */
class SpendLogOutageIT {
  /** The manual scenario: -Dtollgate.outage.seconds=60 keeps PostgreSQL down that long. */
  private static final Duration OUTAGE =
      Duration.ofSeconds(Long.getLong("tollgate.outage.seconds", 0));

  @Test
  void record_postgresStoppedAndRestarted_everyRecordWrittenExactlyOnce() throws Exception {
    Assumptions.assumeFalse(TestPostgres.external(), "needs an embedded server it may stop");
    Path pgData = Files.createTempDirectory("tollgate-pg-outage");
    EmbeddedPostgres pg = TestPostgres.startEmbedded(pgData, 0);
    int port = pg.getPort();
    String url = TestPostgres.fromEmbedded(pg).freshDatabase();
    Path dataDir = Files.createTempDirectory("tollgate-outage-data");
    SpendLog.Options options =
        SpendLog.Options.defaults().withCapacity(1_000).withMaxBackoff(Duration.ofMillis(500));

    AtomicLong produced = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    SpendLog log;
    try (Database db = Database.open(Optional.of(url), dataDir, options)) {
      log = db.spendLog();
      Thread producer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!stop.get()) {
                      for (int i = 0; i < 20; i++) {
                        long n = produced.getAndIncrement();
                        log.record(SpendRecords.priced("o-" + n, n));
                      }
                      sleepMillis(2);
                    }
                  });
      awaitTrue(() -> log.stats().written() > 500);

      long stoppedAt = System.nanoTime();
      pg.close();
      awaitTrue(() -> log.stats().degraded());
      assertThat(db.health().state()).isEqualTo(Health.State.DOWN);
      long journaledAtOutage = log.stats().journaled();
      awaitTrue(() -> log.stats().journaled() > journaledAtOutage + 2_000);
      Thread.sleep(Math.max(0, OUTAGE.toMillis() - (System.nanoTime() - stoppedAt) / 1_000_000));
      assertThat(log.journalFile()).exists();
      assertThat(log.stats().retries()).isPositive();

      pg = TestPostgres.startEmbedded(pgData, port);
      long recoveredAt = System.nanoTime();
      awaitTrue(() -> !log.stats().degraded());
      long producedAtRecovery = produced.get();
      awaitTrue(() -> log.stats().written() > producedAtRecovery);
      stop.set(true);
      producer.join();
      System.out.printf(
          "outage: PostgreSQL down %d s, %d records produced, %d journaled, %d replayed, %d"
              + " retries%n",
          Duration.ofNanos(recoveredAt - stoppedAt).toSeconds(),
          produced.get(),
          log.stats().journaled(),
          log.stats().replayed(),
          log.stats().retries());
      assertThat(db.health().state()).isIn(Health.State.UP, Health.State.DEGRADED);
    }

    long n = produced.get();
    assertThat(log.stats().recorded()).isEqualTo(n);
    assertThat(log.stats().persisted()).isEqualTo(n);
    assertThat(log.stats().journalPending()).isZero();
    assertThat(log.stats().replayed()).isPositive();
    try (Database db = Database.open(Optional.of(url), dataDir)) {
      assertThat(count(db, "SELECT COUNT(*) FROM spend_logs")).isEqualTo(n);
      assertThat(count(db, "SELECT COUNT(DISTINCT request_id) FROM spend_logs")).isEqualTo(n);
      assertThat(count(db, "SELECT SUM(cost_nanos) FROM spend_logs")).isEqualTo(n * (n - 1) / 2);
    } finally {
      pg.close();
    }
  }

  private static void sleepMillis(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.tollgate.store;

import static dev.tollgate.store.SpendLogIT.count;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kill -9 honestly: a child JVM records spend records non-stop and is killed with {@code
 * destroyForcibly()} (SIGKILL) mid-stream; a fresh store on the same data dir and database must
 * hold every record the child had reported persisted (committed, journaled or dead-lettered) before
 * the kill, and none twice. A small queue makes the child spill to the journal too, so both durable
 * paths are cut.
 */
class SpendLogKillIT {
  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void kill9_midStream_everyRecordReportedPersistedSurvivesOnce(StoreKind kind) throws Exception {
    StoreKind.Target t = kind.fresh();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                SpendLogChild.class.getName(),
                t.dataDir().toString(),
                t.url().orElse("-"),
                "256")
            .redirectError(t.dataDir().resolve("child-stderr.log").toFile());
    Process child = pb.start();
    long persisted = 0;
    long recorded = 0;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        String[] f = line.split(" ", -1);
        persisted = Long.parseLong(f[1]);
        recorded = Long.parseLong(f[3]);
        if (persisted >= 20_000) {
          break;
        }
      }
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(persisted).as("child output; see child-stderr.log").isGreaterThanOrEqualTo(20_000);

    try (Database db = t.open()) {
      long rows = count(db, "SELECT COUNT(*) FROM spend_logs");
      System.out.printf(
          "kill -9 %s: last report %d recorded, %d persisted; %d rows after recovery (%d"
              + " replayed from the journal)%n",
          kind, recorded, persisted, rows, db.spendLog().stats().replayed());

      assertThat(rows).isGreaterThanOrEqualTo(persisted);
      assertThat(count(db, "SELECT COUNT(DISTINCT request_id) FROM spend_logs")).isEqualTo(rows);
      assertThat(db.spendLog().stats().journalPending()).isZero();
      assertThat(db.spendLog().stats().deadLettered()).isZero();
    }
  }
}

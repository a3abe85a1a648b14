package dev.tollgate.store;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A child process for {@link SpendLogKillIT}: opens the store, records spend records as fast as it
 * can, and every few milliseconds prints how many it has recorded and how many are persisted
 * (committed, journaled or dead-lettered), until it is killed.
 *
 * <p>Arguments: data dir, database URL or {@code -} for SQLite, queue capacity.
 */
final class SpendLogChild {
  private SpendLogChild() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    Optional<String> url = args[1].equals("-") ? Optional.empty() : Optional.of(args[1]);
    SpendLog.Options options = SpendLog.Options.defaults().withCapacity(Integer.parseInt(args[2]));
    Database db = Database.open(url, dataDir, options);
    SpendLog log = db.spendLog();
    long n = 0;
    long nextReport = 0;
    while (true) {
      for (int i = 0; i < 20; i++, n++) {
        log.record(SpendRecords.priced("k-" + n, n));
      }
      if (System.nanoTime() - nextReport >= 0) {
        SpendLog.Stats s = log.stats();
        System.out.println("persisted " + s.persisted() + " recorded " + s.recorded());
        System.out.flush();
        nextReport = System.nanoTime() + 5_000_000;
      }
      Thread.sleep(0, 200_000);
    }
  }
}

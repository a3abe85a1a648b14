package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChangeNotifierIT {
  @Test
  void notifyChange_postgres_reachesTheOtherInstance() throws Exception {
    StoreKind.Target t = StoreKind.POSTGRESQL.fresh();
    BlockingQueue<ChangeNotifier.Topic> heardByB = new LinkedBlockingQueue<>();
    try (Database a = t.open();
        Database b = Database.open(t.url(), Files.createTempDirectory("tollgate-instance-b"))) {
      ChangeNotifier fromA = a.changeNotifier(topic -> {});
      b.changeNotifier(heardByB::add);

      fromA.notifyChange(ChangeNotifier.Topic.GOVERNANCE);
      assertThat(heardByB.poll(30, TimeUnit.SECONDS)).isEqualTo(ChangeNotifier.Topic.GOVERNANCE);
      fromA.notifyChange(ChangeNotifier.Topic.MODELS);
      assertThat(heardByB.poll(30, TimeUnit.SECONDS)).isEqualTo(ChangeNotifier.Topic.MODELS);
    }
  }

  @Test
  void notifyChange_sqlite_isSilentNoOp() {
    try (Database db = StoreKind.SQLITE.fresh().open()) {
      ChangeNotifier n =
          db.changeNotifier(
              topic -> {
                throw new AssertionError("SQLite has no other instances to hear from");
              });

      n.notifyChange(ChangeNotifier.Topic.GOVERNANCE);
      n.close();
    }
  }
}

package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChangeNotifierIT {
  @Test
  void notifyChange_postgres_reachesTheOtherInstance() throws Exception {
    StoreKind.Target t = StoreKind.POSTGRESQL.fresh();
    CountDownLatch heardByB = new CountDownLatch(1);
    try (Database a = t.open();
        Database b = Database.open(t.url(), Files.createTempDirectory("tollgate-instance-b"))) {
      ChangeNotifier fromA = a.changeNotifier(() -> {});
      b.changeNotifier(heardByB::countDown);

      fromA.notifyChange();

      assertThat(heardByB.await(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void notifyChange_sqlite_isSilentNoOp() {
    try (Database db = StoreKind.SQLITE.fresh().open()) {
      ChangeNotifier n =
          db.changeNotifier(
              () -> {
                throw new AssertionError("SQLite has no other instances to hear from");
              });

      n.notifyChange();
      n.close();
    }
  }
}

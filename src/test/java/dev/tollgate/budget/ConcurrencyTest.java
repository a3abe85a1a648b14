package dev.tollgate.budget;

import static dev.tollgate.budget.Fixture.max;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.governance.Principal;
import dev.tollgate.governance.VirtualKey;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Settlement from many threads at once (as from every event loop) loses nothing. */
class ConcurrencyTest {

  @Test
  void settle_manyThreadsAtOnce_spendIsTheExactSumAndSoftAlertFiresOnce() throws Exception {
    Fixture f = new Fixture();
    VirtualKey k = f.key("k1", max("1000000").withSoftBudget(OptionalLong.of(Fixture.usd("1"))));
    f.put(k);
    Principal p = f.principal(k);
    int threads = 8;
    int each = 5_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(
          pool.submit(
              () -> {
                go.await();
                for (int i = 0; i < each; i++) {
                  f.settle(p, "0.000123457");
                  f.admit(p, "gpt-4o", Fixture.PRICED);
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> d : done) {
      d.get();
    }
    pool.shutdown();
    long expected = (long) threads * each * 123_457L;
    assertThat(f.enforcer.entityBudgets(Level.KEY, "k1").get(0).spendNanos()).isEqualTo(expected);
    assertThat(f.enforcer.globalBudget().spendNanos()).isEqualTo(expected);
    assertThat(f.alerts).hasSize(1);
  }
}

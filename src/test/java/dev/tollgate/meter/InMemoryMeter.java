package dev.tollgate.meter;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A deliberately small in-process {@link Meter} for the fallback tests: counters by name only (no
 * windows, no floors, no soft alerts), the block rule, all or nothing, settlement once per id.
 * Synchronized; not the production LocalMeter.
 */
final class InMemoryMeter implements Meter {
  private final Map<String, long[]> counters = new HashMap<>(); // {used, reserved}
  private final Set<String> settled = new HashSet<>();
  private int admits;

  @Override
  public synchronized Future<Verdict> admit(String requestId, List<Check> checks, long now) {
    admits++;
    List<Reading> before = new ArrayList<>();
    for (int i = 0; i < checks.size(); i++) {
      Check c = checks.get(i);
      Reading r = reading(c);
      if (r.used() + r.reserved() >= c.limit()) {
        return Future.succeededFuture(new Refused(i, r));
      }
      before.add(r);
    }
    for (Check c : checks) {
      counters.computeIfAbsent(c.counter(), k -> new long[2])[1] += c.reserve();
    }
    return Future.succeededFuture(new Admitted(before));
  }

  @Override
  public synchronized Future<Settled> settle(
      String requestId, List<Settlement> settlements, long now) {
    boolean first = settled.add(requestId);
    List<Reading> after = new ArrayList<>();
    List<Boolean> crossed = new ArrayList<>();
    for (Settlement s : settlements) {
      if (first) {
        long[] v = counters.computeIfAbsent(s.check().counter(), k -> new long[2]);
        v[0] += s.add();
        v[1] = Math.max(0, v[1] - s.release());
      }
      after.add(reading(s.check()));
      crossed.add(false);
    }
    return Future.succeededFuture(new Settled(after, crossed));
  }

  @Override
  public synchronized Future<Void> reset(List<String> names, long now) {
    names.forEach(
        n -> {
          long[] v = counters.get(n);
          if (v != null) {
            v[0] = 0;
          }
        });
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<List<Reading>> read(List<Check> checks, long now) {
    return Future.succeededFuture(checks.stream().map(this::reading).toList());
  }

  synchronized int admits() {
    return admits;
  }

  private Reading reading(Check c) {
    long[] v = counters.get(c.counter());
    return new Reading(
        c.counter(),
        v != null,
        v == null ? 0 : v[0],
        v == null ? 0 : v[1],
        c.windowStart(),
        c.windowEnd(),
        0,
        0,
        false);
  }

  @Override
  public String mode() {
    return "test-memory";
  }

  @Override
  public void close() {}
}

package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.RouterSettings;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.PriceSource;
import dev.tollgate.pricing.RateKey;
import dev.tollgate.pricing.Rates;
import dev.tollgate.testing.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Each routing strategy choosing as documented, with cooldowns and {@code order} before it. */
class RoutingTest {
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
  final SplittableRandom random = new SplittableRandom(7);

  static RouterSettings settings(String strategy, BigDecimal buffer) {
    RouterSettings d = RouterSettings.defaults();
    return new RouterSettings(
        strategy,
        d.numRetries(),
        d.timeoutMillis(),
        d.modelGroupAlias(),
        d.redisHost(),
        d.redisPort(),
        d.redisPassword(),
        d.providerBudgets(),
        d.retryAfterMillis(),
        d.retryPolicy(),
        d.fallbacks(),
        d.defaultFallbacks(),
        d.contextWindowFallbacks(),
        d.contentPolicyFallbacks(),
        d.maxFallbacks(),
        d.allowedFails(),
        d.cooldownMillis(),
        d.allowedFailsPolicy(),
        d.disableCooldowns(),
        buffer);
  }

  Routing routing(String strategy) {
    return routing(strategy, BigDecimal.ZERO, Cooldowns.NONE);
  }

  Routing routing(String strategy, BigDecimal buffer, Cooldowns cooldowns) {
    return new Routing(settings(strategy, buffer), cooldowns, clock);
  }

  static Deployment d(String id) {
    return Groups.deployment(id, "", Price.FREE);
  }

  static Price priced(String in, String out) {
    return new Price.Priced(
        new Rates(Map.of(RateKey.INPUT, new BigDecimal(in), RateKey.OUTPUT, new BigDecimal(out))),
        PriceSource.CATALOG);
  }

  /** How often each deployment is picked in {@code n} picks. */
  Map<String, Integer> picks(Routing r, ModelGroup g, int n, boolean stream) {
    Map<String, Integer> count = new HashMap<>();
    for (int i = 0; i < n; i++) {
      count.merge(Objects.requireNonNull(r.pick(g, random, stream)).id(), 1, Integer::sum);
    }
    return count;
  }

  @Test
  void simpleShuffle_byWeight() {
    ModelGroup g =
        new ModelGroup(
            "g",
            List.of(
                Groups.deployment("heavy", "weight: 9", Price.FREE),
                Groups.deployment("light", "weight: 1", Price.FREE)));
    Map<String, Integer> c = picks(routing("simple-shuffle"), g, 10_000, false);
    assertThat(c.get("heavy")).isBetween(8_700, 9_300);
    assertThat(c.get("light")).isBetween(700, 1_300);
  }

  @Test
  void leastBusy_fewestInFlight() {
    Routing r = routing("least-busy");
    Deployment a = d("a");
    Deployment b = d("b");
    Deployment c = d("c");
    ModelGroup g = new ModelGroup("g", List.of(a, b, c));
    r.started(a);
    r.started(a);
    r.started(b);
    assertThat(picks(r, g, 50, false)).containsOnlyKeys("c");
    r.started(c);
    r.started(c);
    assertThat(picks(r, g, 50, false)).containsOnlyKeys("b");
    r.ended(a, 1, -1, 0, null);
    r.ended(a, 1, -1, 0, null);
    assertThat(picks(r, g, 50, false)).containsOnlyKeys("a");
  }

  @Test
  void latency_lowestAverage_timeToFirstTokenForStreams_unmeasuredFirst() {
    Routing r = routing("latency-based-routing");
    Deployment fast = d("fast");
    Deployment slow = d("slow");
    Deployment fresh = d("fresh");
    ModelGroup g = new ModelGroup("g", List.of(fast, slow));
    measure(r, fast, 100_000_000, 90_000_000);
    measure(r, slow, 50_000_000, 10_000_000);
    assertThat(picks(r, g, 50, false)).as("whole latency").containsOnlyKeys("slow");
    assertThat(picks(r, g, 50, true)).as("first token").containsOnlyKeys("slow");
    for (int i = 0; i < 10; i++) {
      // A moving average: 90 ms falls under slow's 10 ms after ten 1 ms measurements.
      measure(r, fast, 100_000_000, 1_000_000);
    }
    assertThat(picks(r, g, 50, true)).as("a stream goes by first token").containsOnlyKeys("fast");
    assertThat(picks(r, new ModelGroup("g", List.of(fast, slow, fresh)), 50, false))
        .containsOnlyKeys("fresh");
  }

  @Test
  void latency_buffer_choosesAmongThoseWithinIt() {
    Routing r = routing("latency-based-routing", new BigDecimal("0.5"), Cooldowns.NONE);
    Deployment a = d("a");
    Deployment b = d("b");
    Deployment c = d("c");
    measure(r, a, 100, -1);
    measure(r, b, 140, -1);
    measure(r, c, 200, -1);
    assertThat(picks(r, new ModelGroup("g", List.of(a, b, c)), 200, false))
        .containsOnlyKeys("a", "b");
  }

  void measure(Routing r, Deployment d, long latency, long firstByte) {
    r.started(d);
    r.ended(d, latency, firstByte, 10, null);
  }

  @Test
  void usage_lowestShareOfItsTpm_thisMinute() {
    Routing r = routing("usage-based-routing-v2");
    Deployment big = Groups.deployment("big", "tpm: 100000", Price.FREE);
    Deployment small = Groups.deployment("small", "tpm: 1000", Price.FREE);
    ModelGroup g = new ModelGroup("g", List.of(big, small));
    r.started(big);
    r.ended(big, 1, -1, 5_000, null);
    r.started(small);
    r.ended(small, 1, -1, 100, null);
    assertThat(picks(r, g, 50, false)).as("5% of big against 10% of small").containsOnlyKeys("big");
    r.started(big);
    r.ended(big, 1, -1, 10_000, null);
    assertThat(picks(r, g, 50, false)).containsOnlyKeys("small");
    clock.advance(Duration.ofMinutes(1));
    r.started(small);
    r.ended(small, 1, -1, 50, null);
    assertThat(picks(r, g, 50, false)).as("a new minute starts afresh").containsOnlyKeys("big");
  }

  @Test
  void cost_cheapestKnownFirst_freeCheapest_unknownLast() {
    Routing r = routing("cost-based-routing");
    Deployment cheap = Groups.deployment("cheap", "", priced("0.000001", "0.000002"));
    Deployment dear = Groups.deployment("dear", "", priced("0.00001", "0.00003"));
    Deployment unknown = Groups.deployment("unknown", "", Price.UNKNOWN);
    Deployment free = Groups.deployment("free", "", Price.FREE);
    assertThat(picks(r, new ModelGroup("g", List.of(unknown, dear, cheap)), 50, false))
        .containsOnlyKeys("cheap");
    assertThat(picks(r, new ModelGroup("g", List.of(unknown, dear)), 50, false))
        .as("an unknown price is never taken for free")
        .containsOnlyKeys("dear");
    assertThat(picks(r, new ModelGroup("g", List.of(dear, free)), 50, false))
        .containsOnlyKeys("free");
  }

  @Test
  void order_lowestFirst_noneLast_andTheNextOrderWhenTheFirstCools() {
    LocalCooldowns cd = new LocalCooldowns(RouterSettings.defaults(), group -> 3);
    Routing r = routing("simple-shuffle", BigDecimal.ZERO, cd);
    Deployment one = Groups.deployment("one", "order: 1", Price.FREE);
    Deployment two = Groups.deployment("two", "order: 2", Price.FREE);
    Deployment none = Groups.deployment("none", "", Price.FREE);
    ModelGroup g = new ModelGroup("g", List.of(none, two, one));
    assertThat(picks(r, g, 50, false)).containsOnlyKeys("one");
    r.failed(one, GatewayException.upstream(429, "slow down", null));
    assertThat(picks(r, g, 50, false)).containsOnlyKeys("two");
    r.failed(two, GatewayException.upstream(429, "slow down", null));
    assertThat(picks(r, g, 50, false)).containsOnlyKeys("none");
    r.failed(none, GatewayException.upstream(429, "slow down", null));
    assertThat(r.pick(g, random, false)).as("every one cooling").isNull();
    assertThat(r.coolingUntil(g)).isEqualTo(clock.millis() + 5_000);
    clock.advance(Duration.ofSeconds(5));
    assertThat(picks(r, g, 50, false)).containsOnlyKeys("one");
  }

  @Test
  void failed_startingOrExtendingACooldown_tellsTheListenerOnce_withTheStatus() {
    LocalCooldowns cd = new LocalCooldowns(RouterSettings.defaults(), group -> 3);
    List<String> heard = new java.util.ArrayList<>();
    Routing r =
        new Routing(
            settings("simple-shuffle", BigDecimal.ZERO),
            cd,
            clock,
            SharedUsage.local(),
            (d, status) -> heard.add(d.id() + " " + status));
    Deployment one = d("one");
    // Not the deployment's doing: counts towards nothing, cools nothing.
    r.failed(one, GatewayException.upstream(400, "bad", null));
    assertThat(heard).isEmpty();
    r.failed(one, GatewayException.upstream(429, "slow down", null));
    assertThat(heard).containsExactly("one 429");
    // Failing again at the same instant ends the cooldown no later: nothing new.
    r.failed(one, GatewayException.upstream(429, "slow down", null));
    assertThat(heard).containsExactly("one 429");
    clock.advance(Duration.ofSeconds(1));
    r.failed(one, GatewayException.upstream(429, "slow down", null));
    assertThat(heard).containsExactly("one 429", "one 429");
  }
}

package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.DeploymentConfig;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.pricing.Catalog;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.RateKey;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Registration is idempotent and pure: random deployments, registered in any order, any number of
 * times, with updates and deletes interleaved, end with exactly the prices a fresh registration of
 * the final inputs gives.
 */
class RegistryProperties {
  static final Catalog CATALOG = ModelRegistrarTest.CATALOG;

  /** One step of an admin session. */
  sealed interface Op {}

  record Put(DeploymentConfig d) implements Op {}

  record Delete(String id) implements Op {}

  record Rebuild() implements Op {}

  @Property(tries = 300)
  void anyHistory_endsEqualToAFreshRegistrationOfTheFinalInputs(
      @ForAll("histories") List<Op> history) {
    ModelRegistrar live = new ModelRegistrar(List.of(), Map.of(), CATALOG);
    Map<String, DeploymentConfig> finalInputs = new LinkedHashMap<>();
    for (Op op : history) {
      switch (op) {
        case Put p -> {
          live.put(p.d());
          finalInputs.put(p.d().id(), p.d());
        }
        case Delete d -> {
          live.remove(d.id());
          finalInputs.remove(d.id());
        }
        case Rebuild r -> live.rebuild();
      }
    }
    ModelRegistry fresh = ModelRegistrar.build(List.of(), finalInputs, Map.of(), CATALOG);
    Map<String, Price> livePrices = new LinkedHashMap<>();
    live.registry().deployments().forEach(d -> livePrices.put(d.id(), d.price()));
    Map<String, Price> freshPrices = new LinkedHashMap<>();
    fresh.deployments().forEach(d -> freshPrices.put(d.id(), d.price()));
    assertThat(livePrices).isEqualTo(freshPrices);
    // Nothing that was registered without prices ever becomes free.
    for (Deployment d : live.registry().deployments()) {
      if (d.price() instanceof Price.Free) {
        assertThat(d.params().customRates().values()).allMatch(v -> v.signum() == 0);
        assertThat(d.params().customRates()).containsKeys(RateKey.INPUT, RateKey.OUTPUT);
      }
    }
  }

  @Property(tries = 200)
  void registrationOrder_doesNotChangePrices(@ForAll("deploymentLists") List<DeploymentConfig> ds) {
    Map<String, DeploymentConfig> forward = new LinkedHashMap<>();
    ds.forEach(d -> forward.put(d.id(), d));
    List<DeploymentConfig> reversed = new ArrayList<>(forward.values());
    java.util.Collections.reverse(reversed);
    Map<String, DeploymentConfig> backward = new LinkedHashMap<>();
    reversed.forEach(d -> backward.put(d.id(), d));
    ModelRegistry a = ModelRegistrar.build(List.of(), forward, Map.of(), CATALOG);
    ModelRegistry b = ModelRegistrar.build(List.of(), backward, Map.of(), CATALOG);
    for (Deployment d : a.deployments()) {
      assertThat(b.deployment(d.id()).orElseThrow().price()).isEqualTo(d.price());
    }
  }

  @Provide
  Arbitrary<List<Op>> histories() {
    Arbitrary<Op> put = deployment().map(Put::new);
    Arbitrary<Op> delete = ids().map(Delete::new);
    Arbitrary<Op> rebuild = Arbitraries.just(new Rebuild());
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, put),
            net.jqwik.api.Tuple.of(2, delete),
            net.jqwik.api.Tuple.of(2, rebuild))
        .list()
        .ofMaxSize(40);
  }

  @Provide
  Arbitrary<List<DeploymentConfig>> deploymentLists() {
    return deployment().list().ofMaxSize(20);
  }

  static Arbitrary<String> ids() {
    return Arbitraries.of("a", "b", "c", "d", "e", "f");
  }

  /** Deployments of known and unknown models, with no, partial-zero, zero or full custom rates. */
  static Arbitrary<DeploymentConfig> deployment() {
    Arbitrary<String> model =
        Arbitraries.of("openai/gpt-4o-mini", "openai/acme-secret-model", "openai/sparse-model");
    Arbitrary<Integer> pricing = Arbitraries.integers().between(0, 3);
    Arbitrary<BigDecimal> rate =
        Arbitraries.of(
            new BigDecimal("0"),
            new BigDecimal("1e-6"),
            new BigDecimal("0.0000025"),
            new BigDecimal("3E-7"));
    return Combinators.combine(ids(), model, pricing, rate, rate)
        .as(
            (id, m, kind, in, out) -> {
              Map<RateKey, BigDecimal> rates = new EnumMap<>(RateKey.class);
              switch (kind) {
                case 1 -> {
                  rates.put(RateKey.INPUT, BigDecimal.ZERO);
                  rates.put(RateKey.OUTPUT, BigDecimal.ZERO);
                }
                case 2 -> {
                  rates.put(RateKey.INPUT, in);
                  rates.put(RateKey.OUTPUT, out);
                }
                case 3 -> rates.put(RateKey.CACHE_READ, in);
                default -> {}
              }
              if (kind == 3 && !m.equals("openai/gpt-4o-mini")) {
                // Partial pricing with nothing to complete it is rejected; keep the inputs valid.
                rates.put(RateKey.INPUT, in);
                rates.put(RateKey.OUTPUT, out);
              }
              int slash = m.indexOf('/');
              LitellmParams p =
                  new LitellmParams(
                      m,
                      m.substring(0, slash),
                      m.substring(slash + 1),
                      Optional.empty(),
                      Optional.empty(),
                      Optional.empty(),
                      OptionalLong.empty(),
                      OptionalLong.empty(),
                      OptionalInt.empty(),
                      OptionalLong.empty(),
                      OptionalLong.empty(),
                      Optional.empty(),
                      1,
                      rates,
                      Map.of());
              return new DeploymentConfig("group-" + id, id, p, Map.of());
            });
  }
}

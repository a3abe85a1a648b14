package dev.tollgate.pricing;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The one place a deployment's {@link Price} is decided; billing and budget checks both read it.
 * Immutable, thread-safe, and a pure function of its catalog and arguments: it never changes the
 * catalog or the map it is given.
 *
 * <p>Order: the deployment's custom rates, then the catalog entry, then {@link Price#UNKNOWN}. The
 * rules, including how partial custom pricing is completed, are in docs/pricing.md.
 */
public final class PriceResolver {

  private final Catalog catalog;

  public PriceResolver(Catalog catalog) {
    this.catalog = requireNonNull(catalog, "catalog");
  }

  /** The catalog prices are resolved from. */
  public Catalog catalog() {
    return catalog;
  }

  /**
   * The price of a deployment.
   *
   * @param providerModel the deployment's model, e.g. {@code openai/gpt-4o-mini}
   * @param baseModel its {@code base_model}, if configured
   * @param customRates rates from the deployment's {@code litellm_params}; empty when none
   * @return {@link Price.Free} when custom rates give input and output and every given rate is
   *     zero; otherwise {@link Price.Priced} from custom rates (completed from the catalog) or from
   *     the catalog; otherwise {@link Price#UNKNOWN}
   * @throws PricingException if a custom rate is negative, or custom rates lack an input or output
   *     token rate and the catalog has no price to complete them, unless they price another unit
   *     (seconds, characters, queries or images) and no token
   */
  public Price resolve(
      String providerModel, @Nullable String baseModel, Map<RateKey, BigDecimal> customRates) {
    requireNonNull(providerModel, "providerModel");
    requireNonNull(customRates, "customRates");
    Rates custom = customRates(providerModel, customRates);
    Optional<Rates> catalogRates =
        catalog.lookup(providerModel, baseModel).map(CatalogEntry::rates).filter(r -> !r.isEmpty());

    if (custom.isEmpty()) {
      return catalogRates
          .<Price>map(r -> new Price.Priced(r, PriceSource.CATALOG))
          .orElse(Price.UNKNOWN);
    }
    if (isFree(custom)) {
      return Price.FREE;
    }
    if (catalogRates.isPresent()) {
      return new Price.Priced(catalogRates.get().overriddenBy(custom), PriceSource.CUSTOM);
    }
    if (Units.byUnit(custom)) {
      // Priced per second, character, query or image: no token is billed, none is missing.
      return new Price.Priced(custom, PriceSource.CUSTOM);
    }
    List<String> missing = new ArrayList<>(2);
    for (RateKey required : new RateKey[] {RateKey.INPUT, RateKey.OUTPUT}) {
      if (!custom.has(required)) {
        missing.add(required.liteLlmName());
      }
    }
    if (!missing.isEmpty()) {
      throw new PricingException(
          providerModel
              + ": custom pricing has no "
              + String.join(" or ", missing)
              + " and the catalog has no price to complete it; billing would charge nothing for"
              + " those tokens. Set "
              + String.join(" and ", missing)
              + " (0 if they are really free), or base_model to a model the catalog knows.");
    }
    return new Price.Priced(custom, PriceSource.CUSTOM);
  }

  /** Free needs both token rates given, so that a lone zero cannot make everything free. */
  private static boolean isFree(Rates custom) {
    return custom.has(RateKey.INPUT)
        && custom.has(RateKey.OUTPUT)
        && custom.values().values().stream().allMatch(rate -> rate.signum() == 0);
  }

  private static Rates customRates(String providerModel, Map<RateKey, BigDecimal> given) {
    EnumMap<RateKey, BigDecimal> copy = new EnumMap<>(RateKey.class);
    given.forEach(
        (key, rate) -> {
          if (key == null || rate == null) {
            throw new PricingException(providerModel + ": custom pricing has a null rate or key");
          }
          copy.put(key, rate);
        });
    try {
      return new Rates(copy);
    } catch (PricingException e) {
      throw new PricingException(providerModel + ": custom pricing: " + e.getMessage(), e);
    }
  }
}

package dev.tollgate.pricing;

/** Where a {@link Price.Priced} price came from. */
public enum PriceSource {
  /** The deployment's own rates in {@code litellm_params}, possibly completed from the catalog. */
  CUSTOM,
  /** The catalog entry alone. */
  CATALOG
}

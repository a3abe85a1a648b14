package dev.tollgate.pricing;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Per-unit rates in USD, keyed by {@link RateKey}. Immutable.
 *
 * <p>Values are normalised with {@link BigDecimal#stripTrailingZeros()} so that equality is by
 * numeric value ({@code 3E-6} equals {@code 0.000003}). A rate is never negative. An absent key
 * means "no rate for that unit", which is not the same as a rate of zero.
 *
 * @param values the rates; copied, so later changes to the argument are not seen
 */
public record Rates(Map<RateKey, BigDecimal> values) {

  private static final Rates NONE = new Rates(Map.of());

  public Rates {
    requireNonNull(values, "values");
    EnumMap<RateKey, BigDecimal> copy = new EnumMap<>(RateKey.class);
    for (Map.Entry<RateKey, BigDecimal> e : values.entrySet()) {
      RateKey key = requireNonNull(e.getKey(), "rate key");
      BigDecimal rate = e.getValue();
      if (rate == null) {
        throw new PricingException(key.liteLlmName() + " has no value; expected a decimal >= 0");
      }
      if (rate.signum() < 0) {
        throw new PricingException(
            key.liteLlmName() + " must not be negative, got " + rate.toPlainString());
      }
      copy.put(key, rate.stripTrailingZeros());
    }
    values = Collections.unmodifiableMap(copy);
  }

  /** No rates at all: the model is known but has no price. */
  public static Rates none() {
    return NONE;
  }

  /** The rate for {@code key}, if one was given. */
  public Optional<BigDecimal> get(RateKey key) {
    return Optional.ofNullable(values.get(key));
  }

  /** Whether a rate for {@code key} was given. */
  public boolean has(RateKey key) {
    return values.containsKey(key);
  }

  /** Whether no rate at all was given. */
  public boolean isEmpty() {
    return values.isEmpty();
  }

  /** These rates with every key that {@code over} has replaced by its value. */
  Rates overriddenBy(Rates over) {
    if (over.isEmpty()) {
      return this;
    }
    EnumMap<RateKey, BigDecimal> merged = new EnumMap<>(RateKey.class);
    merged.putAll(values);
    merged.putAll(over.values);
    return new Rates(merged);
  }
}

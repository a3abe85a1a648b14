package dev.tollgate.pricing;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Prices that count something other than tokens: request time, characters of text, queries or
 * images (docs/pricing.md, "Priced by another unit"). Such a price bills what it counts, as LiteLLM
 * bills a model without a token rate by its response time, and the gateway measures those units
 * itself, since no provider reports them. Stateless and thread-safe.
 */
public final class Units {

  /** The rates that the gateway measures the units of, in the order a refusal names them. */
  private static final RateKey[] MEASURED = {
    RateKey.INPUT_SECOND,
    RateKey.OUTPUT_SECOND,
    RateKey.PER_QUERY,
    RateKey.INPUT_CHARACTER,
    RateKey.OUTPUT_CHARACTER,
    RateKey.INPUT_IMAGE,
    RateKey.OUTPUT_IMAGE
  };

  private Units() {}

  /**
   * Whether {@code rates} bill by another unit than tokens: no token rate above zero, and a rate
   * for seconds, characters, queries or images. A price with a token rate above zero bills tokens,
   * as LiteLLM does, and its other units as before.
   */
  static boolean byUnit(Rates rates) {
    if (positive(rates, RateKey.INPUT) || positive(rates, RateKey.OUTPUT)) {
      return false;
    }
    for (RateKey k : MEASURED) {
      if (rates.has(k)) {
        return true;
      }
    }
    return false;
  }

  /** Whether billing at {@code price} needs units the gateway measures for each request. */
  public static boolean measured(Price price) {
    return price instanceof Price.Priced p && byUnit(p.rates());
  }

  /** Whether a measured price has {@code key}. */
  public static boolean has(Price price, RateKey key) {
    return price instanceof Price.Priced p && p.rates().has(key);
  }

  /**
   * The rate a request cannot be billed by, for a price that bills by another unit than tokens;
   * empty when the request can be billed. Time and queries can always be measured; characters only
   * when the request's text can be read; input images only when the request carries some (and the
   * price has no output image rate); output images never, since no endpoint of the gateway
   * generates images.
   *
   * @param textCounted whether the request's endpoint has text whose characters can be counted
   * @param inputImages the image parts of the request
   */
  public static Optional<RateKey> unbillable(Price price, boolean textCounted, int inputImages) {
    if (!(price instanceof Price.Priced p) || !byUnit(p.rates())) {
      return Optional.empty();
    }
    Rates r = p.rates();
    if (r.has(RateKey.INPUT_SECOND) || r.has(RateKey.OUTPUT_SECOND) || r.has(RateKey.PER_QUERY)) {
      return Optional.empty();
    }
    if (textCounted && (r.has(RateKey.INPUT_CHARACTER) || r.has(RateKey.OUTPUT_CHARACTER))) {
      return Optional.empty();
    }
    if (inputImages > 0 && countsInputImages(price)) {
      return Optional.empty();
    }
    for (RateKey k : MEASURED) {
      if (r.has(k)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the images a request carries are billed at {@code price}: it has an input image rate
   * and no output image rate, which would price produced images instead.
   */
  public static boolean countsInputImages(Price price) {
    return has(price, RateKey.INPUT_IMAGE) && !has(price, RateKey.OUTPUT_IMAGE);
  }

  private static boolean positive(Rates rates, RateKey key) {
    Optional<BigDecimal> v = rates.get(key);
    return v.isPresent() && v.get().signum() > 0;
  }
}

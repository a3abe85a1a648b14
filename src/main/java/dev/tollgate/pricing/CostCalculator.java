package dev.tollgate.pricing;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Exact cost of a request from its {@link Price} and {@link Usage}, in nano-USD. Stateless and
 * thread-safe.
 *
 * <p>Every product and sum is exact {@link BigDecimal} arithmetic; the total is rounded once, half
 * up, to whole nano-USD. The rules (cache fallbacks, reasoning and audio splits, long-context
 * tiers, per-request, per-image and per-second fees) are in docs/pricing.md.
 */
public final class CostCalculator {

  private static final int NANO_DIGITS = 9;
  private static final long TIER_200K = 200_000;
  private static final long TIER_128K = 128_000;

  private CostCalculator() {}

  /**
   * The cost of {@code usage} at {@code price}.
   *
   * @return empty for {@link Price.Unknown}, and for a {@link Price.Priced} price that has no rate
   *     for something the usage consumed (never zero in either case); zero for {@link Price.Free}
   * @throws IllegalArgumentException if {@code usage} splits out more reasoning or audio tokens
   *     than it counts in total
   * @throws ArithmeticException if the cost does not fit in a {@code long} of nano-USD
   */
  public static OptionalLong costNanos(Price price, Usage usage) {
    requireNonNull(price, "price");
    requireNonNull(usage, "usage");
    return switch (price) {
      case Price.Unknown unknown -> OptionalLong.empty();
      case Price.Free free -> OptionalLong.of(0);
      case Price.Priced priced -> {
        Optional<BigDecimal> usd = costUsd(priced.rates(), usage);
        yield usd.isPresent() ? OptionalLong.of(toNanos(usd.get())) : OptionalLong.empty();
      }
    };
  }

  /** {@code nanos} as exact USD, e.g. 54_399_000 as 0.054399000. */
  public static BigDecimal nanosToUsd(long nanos) {
    return BigDecimal.valueOf(nanos, NANO_DIGITS);
  }

  /** {@code nanos} as a plain USD string without exponent or trailing zeros, e.g. "0.054399". */
  public static String formatUsd(long nanos) {
    if (nanos < 0) {
      return nanosToUsd(nanos).stripTrailingZeros().toPlainString();
    }
    // Once or more per request (cost and spend headers): digits, not BigDecimal.
    long whole = nanos / 1_000_000_000L;
    long frac = nanos % 1_000_000_000L;
    if (frac == 0) {
      return Long.toString(whole);
    }
    String digits = Long.toString(frac + 1_000_000_000L);
    int end = digits.length();
    while (digits.charAt(end - 1) == '0') {
      end--;
    }
    return whole + "." + digits.substring(1, end);
  }

  /** The exact cost in USD, or empty when a consumed unit has no rate. */
  static Optional<BigDecimal> costUsd(Rates rates, Usage usage) {
    if (Units.byUnit(rates)) {
      return byUnitUsd(rates, usage);
    }
    Tier tier = Tier.of(rates, usage.totalInputTokens());
    Optional<BigDecimal> input = tier.rate(rates, RateKey.INPUT);
    Optional<BigDecimal> output = tier.rate(rates, RateKey.OUTPUT);
    Optional<BigDecimal> cacheRead = tier.rate(rates, RateKey.CACHE_READ).or(() -> input);
    Optional<BigDecimal> cacheCreation = tier.rate(rates, RateKey.CACHE_CREATION).or(() -> input);
    Optional<BigDecimal> cacheCreation1h =
        rates.get(RateKey.CACHE_CREATION_1H).or(() -> cacheCreation);
    Optional<BigDecimal> reasoning = rates.get(RateKey.REASONING);
    Optional<BigDecimal> audioIn = rates.get(RateKey.INPUT_AUDIO);
    Optional<BigDecimal> audioOut = rates.get(RateKey.OUTPUT_AUDIO);

    long audioInTokens = audioIn.isPresent() ? usage.audioInputTokens() : 0;
    long reasoningTokens = reasoning.isPresent() ? usage.reasoningTokens() : 0;
    long audioOutTokens = audioOut.isPresent() ? usage.audioOutputTokens() : 0;
    long textIn = usage.inputTokens() - audioInTokens;
    long textOut = usage.outputTokens() - reasoningTokens - audioOutTokens;
    if (textIn < 0 || textOut < 0) {
      throw new IllegalArgumentException(
          "usage counts more audio, reasoning or audio output tokens than input or output tokens: "
              + usage);
    }

    Sum sum = new Sum();
    sum.add(textIn, input);
    sum.add(audioInTokens, audioIn);
    sum.add(usage.cacheReadTokens(), cacheRead);
    sum.add(usage.cacheCreationTokens(), cacheCreation);
    sum.add(usage.cacheCreation1hTokens(), cacheCreation1h);
    sum.add(textOut, output);
    sum.add(reasoningTokens, reasoning);
    sum.add(audioOutTokens, audioOut);
    sum.add(
        usage.images(), rates.get(RateKey.OUTPUT_IMAGE).or(() -> rates.get(RateKey.INPUT_IMAGE)));
    sum.addSeconds(usage.millis(), perSecond(rates));
    rates.get(RateKey.PER_REQUEST).ifPresent(sum::addFee);
    return sum.total();
  }

  /**
   * The cost at a price that bills another unit than tokens: the request's time, characters,
   * queries and images at their rates, and the per-request fee; tokens are not billed, as LiteLLM
   * bills such a model. Empty when the usage consumed tokens but none of the units the price counts
   * was measured, so that nothing is billed at zero by mistake.
   */
  private static Optional<BigDecimal> byUnitUsd(Rates rates, Usage usage) {
    Sum sum = new Sum();
    sum.add(
        usage.images(), rates.get(RateKey.OUTPUT_IMAGE).or(() -> rates.get(RateKey.INPUT_IMAGE)));
    sum.addSeconds(usage.millis(), perSecond(rates));
    sum.add(usage.inputCharacters(), rates.get(RateKey.INPUT_CHARACTER));
    sum.add(usage.outputCharacters(), rates.get(RateKey.OUTPUT_CHARACTER));
    sum.add(usage.queries(), rates.get(RateKey.PER_QUERY));
    boolean measured =
        usage.images()
                + usage.millis()
                + usage.inputCharacters()
                + usage.outputCharacters()
                + usage.queries()
            > 0;
    if (!measured && usage.totalInputTokens() + usage.outputTokens() > 0) {
      return Optional.empty();
    }
    rates.get(RateKey.PER_REQUEST).ifPresent(sum::addFee);
    return sum.total();
  }

  /**
   * One duration is billed once. Every source entry that gives both per-second rates either repeats
   * one value or sets the other to zero, so the larger is the rate.
   */
  private static Optional<BigDecimal> perSecond(Rates rates) {
    Optional<BigDecimal> in = rates.get(RateKey.INPUT_SECOND);
    Optional<BigDecimal> out = rates.get(RateKey.OUTPUT_SECOND);
    if (in.isPresent() && out.isPresent()) {
      return Optional.of(in.get().max(out.get()));
    }
    return in.or(() -> out);
  }

  private static long toNanos(BigDecimal usd) {
    return usd.movePointRight(NANO_DIGITS).setScale(0, RoundingMode.HALF_UP).longValueExact();
  }

  /** Which long-context rates apply; a tier covers the whole request. */
  private enum Tier {
    BASE,
    ABOVE_128K,
    ABOVE_200K;

    static Tier of(Rates rates, long totalInputTokens) {
      if (totalInputTokens > TIER_200K
          && (rates.has(RateKey.INPUT_ABOVE_200K)
              || rates.has(RateKey.OUTPUT_ABOVE_200K)
              || rates.has(RateKey.CACHE_READ_ABOVE_200K)
              || rates.has(RateKey.CACHE_CREATION_ABOVE_200K))) {
        return ABOVE_200K;
      }
      if (totalInputTokens > TIER_128K
          && (rates.has(RateKey.INPUT_ABOVE_128K) || rates.has(RateKey.OUTPUT_ABOVE_128K))) {
        return ABOVE_128K;
      }
      return BASE;
    }

    /** The tier's rate for a base key, or the base rate where the tier has none. */
    Optional<BigDecimal> rate(Rates rates, RateKey base) {
      RateKey tiered =
          switch (this) {
            case BASE -> null;
            case ABOVE_128K ->
                switch (base) {
                  case INPUT -> RateKey.INPUT_ABOVE_128K;
                  case OUTPUT -> RateKey.OUTPUT_ABOVE_128K;
                  default -> null;
                };
            case ABOVE_200K ->
                switch (base) {
                  case INPUT -> RateKey.INPUT_ABOVE_200K;
                  case OUTPUT -> RateKey.OUTPUT_ABOVE_200K;
                  case CACHE_READ -> RateKey.CACHE_READ_ABOVE_200K;
                  case CACHE_CREATION -> RateKey.CACHE_CREATION_ABOVE_200K;
                  default -> null;
                };
          };
      return tiered == null ? rates.get(base) : rates.get(tiered).or(() -> rates.get(base));
    }
  }

  /** An exact running total that remembers whether anything consumed had no rate. */
  private static final class Sum {
    private BigDecimal total = BigDecimal.ZERO;
    private boolean unpriced;

    void add(long units, Optional<BigDecimal> rate) {
      if (units == 0) {
        return;
      }
      if (rate.isEmpty()) {
        unpriced = true;
        return;
      }
      total = total.add(rate.get().multiply(BigDecimal.valueOf(units)));
    }

    void addSeconds(long millis, Optional<BigDecimal> ratePerSecond) {
      if (millis == 0) {
        return;
      }
      if (ratePerSecond.isEmpty()) {
        unpriced = true;
        return;
      }
      total = total.add(ratePerSecond.get().multiply(BigDecimal.valueOf(millis, 3)));
    }

    void addFee(BigDecimal fee) {
      total = total.add(fee);
    }

    Optional<BigDecimal> total() {
      return unpriced ? Optional.empty() : Optional.of(total);
    }
  }
}

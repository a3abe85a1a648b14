package dev.tollgate.budget;

import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.Usage;
import java.util.OptionalLong;

/**
 * What admission expects a request to use, before it is forwarded: the amount reserved against
 * every budget and token limit until the request settles. Immutable.
 *
 * <p>The rules (docs/budgets.md, "Reservations"):
 *
 * <ul>
 *   <li>input tokens: one per {@value #BYTES_PER_INPUT_TOKEN} bytes of the request body, rounded
 *       up. English text averages about four bytes a token and the JSON around it counts too, so
 *       this errs high;
 *   <li>output tokens: the request's {@code max_tokens} (or {@code max_completion_tokens}) when
 *       set, an upper bound; otherwise the deployment's maximum output, capped at {@code
 *       defaultOutputTokens} ({@link #DEFAULT_OUTPUT_TOKENS} unless configured), so that a request
 *       without a bound reserves a bounded amount instead of the whole remaining budget;
 *   <li>embeddings generate no output tokens.
 * </ul>
 *
 * @param inputTokens estimated input tokens
 * @param outputTokens the output bound
 * @param bounded whether {@code outputTokens} came from the request's own {@code max_tokens}, so
 *     the estimate is an upper bound when the input estimate is
 */
public record Estimate(long inputTokens, long outputTokens, boolean bounded) {
  /** Bytes of request body per estimated input token. */
  public static final int BYTES_PER_INPUT_TOKEN = 3;

  /** The output tokens reserved for a request that sets no bound, when not configured. */
  public static final long DEFAULT_OUTPUT_TOKENS = 4096;

  /** Nothing to reserve. */
  public static final Estimate NONE = new Estimate(0, 0, true);

  public Estimate {
    if (inputTokens < 0 || outputTokens < 0) {
      throw new IllegalArgumentException("token estimates must not be negative");
    }
  }

  /**
   * The estimate for a request.
   *
   * @param bodyBytes the request body's length
   * @param maxTokens the request's {@code max_tokens}, if set
   * @param modelMaxOutput the deployment's maximum output tokens, if known
   * @param defaultOutputTokens the cap for requests without {@code max_tokens}
   * @param generates false for embeddings
   */
  public static Estimate of(
      long bodyBytes,
      OptionalLong maxTokens,
      OptionalLong modelMaxOutput,
      long defaultOutputTokens,
      boolean generates) {
    long input = (bodyBytes + BYTES_PER_INPUT_TOKEN - 1) / BYTES_PER_INPUT_TOKEN;
    if (!generates) {
      return new Estimate(input, 0, true);
    }
    if (maxTokens.isPresent() && maxTokens.getAsLong() >= 0) {
      long out = maxTokens.getAsLong();
      if (modelMaxOutput.isPresent()) {
        out = Math.min(out, modelMaxOutput.getAsLong());
      }
      return new Estimate(input, out, true);
    }
    long out =
        modelMaxOutput.isPresent()
            ? Math.min(modelMaxOutput.getAsLong(), defaultOutputTokens)
            : defaultOutputTokens;
    return new Estimate(input, out, false);
  }

  /** Input plus output tokens: what a TPM limit reserves. */
  public long tokens() {
    return inputTokens + outputTokens;
  }

  /** What the estimate costs at {@code price}; 0 when the price is unknown or free. */
  public long costNanos(Price price) {
    if (!(price instanceof Price.Priced)) {
      return 0;
    }
    return CostCalculator.costNanos(price, Usage.tokens(inputTokens, outputTokens)).orElse(0);
  }
}

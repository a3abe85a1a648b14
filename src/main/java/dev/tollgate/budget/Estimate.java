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
 *       this errs high. Images are the exception: a provider scales an image down before it counts
 *       its tokens, so each {@code image_url} part reserves {@value #IMAGE_TOKENS} tokens, and an
 *       inline ({@code data:image/...}) one at most that, or its bytes as text when fewer;
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

  /**
   * Input tokens reserved per image: at least what any provider bills for one image. The most is
   * gpt-4o-mini's, which bills a high-detail image at 2,833 tokens plus 5,667 per 512-pixel tile,
   * up to 8 tiles: 48,169 tokens (gpt-4o bills the same image 1,445; Claude about 1,600; Gemini 258
   * per tile).
   */
  public static final long IMAGE_TOKENS = 50_000;

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
   * @param textBytes the request body's length without its inline images
   * @param imageParts the {@code image_url} parts of its messages
   * @param inlineImages how many of those carry the image inline
   * @param inlineImageBytes their bytes
   * @param maxTokens the request's {@code max_tokens}, if set
   * @param modelMaxOutput the deployment's maximum output tokens, if known
   * @param defaultOutputTokens the cap for requests without {@code max_tokens}
   * @param generates false for embeddings
   */
  public static Estimate of(
      long textBytes,
      int imageParts,
      int inlineImages,
      long inlineImageBytes,
      OptionalLong maxTokens,
      OptionalLong modelMaxOutput,
      long defaultOutputTokens,
      boolean generates) {
    long input =
        ceilTokens(textBytes)
            + (imageParts - inlineImages) * IMAGE_TOKENS
            + Math.min(ceilTokens(inlineImageBytes), inlineImages * IMAGE_TOKENS);
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

  private static long ceilTokens(long bytes) {
    return (bytes + BYTES_PER_INPUT_TOKEN - 1) / BYTES_PER_INPUT_TOKEN;
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

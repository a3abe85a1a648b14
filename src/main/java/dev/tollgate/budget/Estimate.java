package dev.tollgate.budget;

import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.Usage;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What admission expects a request to use, before it is forwarded: the amount reserved against
 * every budget and token limit until the request settles. Immutable.
 *
 * <p>The rules (docs/budgets.md, "Reservations"):
 *
 * <ul>
 *   <li>input tokens: {@link TokenBound}'s upper bound over the body's bytes, which counts natural
 *       text at a third of its bytes and data (base64, hex), emoji and other multi-byte characters
 *       at a token a byte. Images are the exception: a provider scales an image down before it
 *       counts its tokens, so each {@code image_url} part reserves {@value #IMAGE_TOKENS} tokens,
 *       and an inline ({@code data:image/...}) one at most that, or its bytes when fewer;
 *   <li>output tokens: the request's {@code max_tokens} (or {@code max_completion_tokens}; the
 *       larger when both are set) when set, an upper bound; otherwise the deployment's maximum
 *       output, capped at {@code defaultOutputTokens} ({@link #DEFAULT_OUTPUT_TOKENS} unless
 *       configured), so that a request without a bound reserves a bounded amount instead of the
 *       whole remaining budget. Either is per choice: {@code n} (and {@code best_of} on
 *       completions) multiplies it, since the upstream generates and bills every choice;
 *   <li>embeddings generate no output tokens.
 * </ul>
 *
 * @param inputTokens estimated input tokens
 * @param outputTokens the output bound
 * @param bounded whether {@code outputTokens} came from the request's own {@code max_tokens}, so
 *     the estimate is an upper bound when the input estimate is
 * @param measured the bounds of the units other than tokens that the deployment's price counts
 *     (time, characters, queries, images; docs/pricing.md), {@link Usage#NONE} for the rest
 */
public record Estimate(long inputTokens, long outputTokens, boolean bounded, Usage measured) {
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

  /** An estimate in tokens only. */
  public Estimate(long inputTokens, long outputTokens, boolean bounded) {
    this(inputTokens, outputTokens, bounded, Usage.NONE);
  }

  /** This estimate with the bounds of the units other than tokens that its price counts. */
  public Estimate withMeasured(Usage units) {
    return new Estimate(inputTokens, outputTokens, bounded, units);
  }

  /**
   * The estimate for a request.
   *
   * @param textTokens the {@link TokenBound} of the request body without its inline images
   * @param imageParts the {@code image_url} parts of its messages
   * @param inlineImages how many of those carry the image inline
   * @param inlineImageBytes their bytes
   * @param maxTokens the request's {@code max_tokens}, if set
   * @param choices how many completions the upstream generates ({@code n}, {@code best_of})
   * @param modelMaxOutput the deployment's maximum output tokens, if known
   * @param defaultOutputTokens the cap for requests without {@code max_tokens}
   * @param generates false for embeddings
   */
  public static Estimate of(
      long textTokens,
      int imageParts,
      int inlineImages,
      long inlineImageBytes,
      OptionalLong maxTokens,
      int choices,
      OptionalLong modelMaxOutput,
      long defaultOutputTokens,
      boolean generates) {
    long input =
        textTokens
            + (imageParts - inlineImages) * IMAGE_TOKENS
            + Math.min(inlineImageBytes, inlineImages * IMAGE_TOKENS);
    if (!generates) {
      return new Estimate(input, 0, true);
    }
    if (maxTokens.isPresent() && maxTokens.getAsLong() >= 0) {
      long out = maxTokens.getAsLong();
      if (modelMaxOutput.isPresent()) {
        out = Math.min(out, modelMaxOutput.getAsLong());
      }
      return new Estimate(input, perChoice(out, choices), true);
    }
    long out =
        modelMaxOutput.isPresent()
            ? Math.min(modelMaxOutput.getAsLong(), defaultOutputTokens)
            : defaultOutputTokens;
    return new Estimate(input, perChoice(out, choices), false);
  }

  /** {@code tokens} for each of {@code choices}, saturating rather than overflowing. */
  private static long perChoice(long tokens, int choices) {
    return tokens > Long.MAX_VALUE / choices ? Long.MAX_VALUE : tokens * choices;
  }

  /**
   * {@code make}, run once on first use: for an estimate that only some admissions need. Not
   * thread-safe; admission asks for it on one thread.
   */
  public static Supplier<Estimate> deferred(Supplier<Estimate> make) {
    return new java.util.function.Supplier<>() {
      private @Nullable Estimate made;

      @Override
      public Estimate get() {
        Estimate e = made;
        if (e == null) {
          e = make.get();
          made = e;
        }
        return e;
      }
    };
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
    Usage u =
        Usage.tokens(inputTokens, outputTokens)
            .withMeasured(
                measured.images(),
                measured.millis(),
                measured.inputCharacters(),
                measured.outputCharacters(),
                measured.queries());
    return CostCalculator.costNanos(price, u).orElse(0);
  }
}

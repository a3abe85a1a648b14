package dev.tollgate.pricing;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Counts the tokens of text whose usage a provider did not report, for billing an estimate.
 * OpenAI-family models get OpenAI's own tokenizer (o200k for the GPT-4o, GPT-4.1, GPT-5 and o
 * series, cl100k for GPT-4, GPT-3.5 and the text-embedding-3 models); every other model the
 * documented ratio of {@link #ASCII_CHARS_PER_TOKEN} ASCII characters a token and one token for any
 * other character, which errs high for the other providers' tokenizers on English and on CJK.
 *
 * <p>The tokenizer's encodings are loaded on first use, and counting takes time proportional to the
 * text: call it on a worker thread, never on an event loop. Thread-safe.
 */
public final class TokenCounter {
  /** ASCII characters per token for models without a known tokenizer. */
  public static final int ASCII_CHARS_PER_TOKEN = 4;

  private static final TokenCounter RATIO = new TokenCounter(null, "ratio");

  private final @Nullable EncodingType encoding;
  private final String name;

  private TokenCounter(@Nullable EncodingType encoding, String name) {
    this.encoding = encoding;
    this.name = name;
  }

  /**
   * The counter for a deployment's provider model, such as {@code openai/gpt-4o-mini} or {@code
   * hosted_vllm/llama-3}.
   */
  public static TokenCounter forModel(String providerModel) {
    String m = providerModel.toLowerCase(Locale.ROOT);
    int slash = m.lastIndexOf('/');
    if (slash >= 0) {
      m = m.substring(slash + 1);
    }
    if (m.startsWith("gpt-4o")
        || m.startsWith("chatgpt-4o")
        || m.startsWith("gpt-4.1")
        || m.startsWith("gpt-4.5")
        || m.startsWith("gpt-5")
        || m.startsWith("gpt-oss")
        || m.startsWith("o1")
        || m.startsWith("o3")
        || m.startsWith("o4")) {
      return new TokenCounter(EncodingType.O200K_BASE, "o200k_base");
    }
    if (m.startsWith("gpt-4")
        || m.startsWith("gpt-3.5")
        || m.startsWith("gpt-35")
        || m.startsWith("text-embedding-")) {
      return new TokenCounter(EncodingType.CL100K_BASE, "cl100k_base");
    }
    return RATIO;
  }

  /** {@code o200k_base}, {@code cl100k_base} or {@code ratio}. */
  public String name() {
    return name;
  }

  /** The tokens of {@code text}. Blocks on first use while the encoding loads. */
  public long count(CharSequence text) {
    if (text.isEmpty()) {
      return 0;
    }
    EncodingType e = encoding;
    if (e == null) {
      return byRatio(text);
    }
    return Lazy.REGISTRY.getEncoding(e).countTokensOrdinary(text.toString());
  }

  /** ASCII at {@link #ASCII_CHARS_PER_TOKEN} characters a token, anything else a token each. */
  static long byRatio(CharSequence text) {
    long ascii = 0;
    long other = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        ascii++;
      } else if (!Character.isLowSurrogate(c)) {
        other++;
      }
    }
    return other + (ascii + ASCII_CHARS_PER_TOKEN - 1) / ASCII_CHARS_PER_TOKEN;
  }

  /** The registry, built on first use. */
  private static final class Lazy {
    /** Loads each encoding on its first {@code getEncoding}, not all of them at once. */
    static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
  }
}

package dev.tollgate.budget;

/**
 * An upper bound on the input tokens of a request body's bytes, for reservations: cheap enough for
 * every request (one pass over the bytes, no decoding), and honest for the inputs that defeat a
 * plain bytes-per-token ratio. Stateless.
 *
 * <p>Byte-level tokenizers (OpenAI's cl100k and o200k, and the byte-fallback ones of the other
 * providers) never make a token of less than one byte, so one token per byte always bounds the
 * count. Natural text does far better, about four bytes a token, and reserving a byte's worth for
 * it would hold three times the budget it needs. So the bytes are counted in three classes:
 *
 * <ul>
 *   <li>a byte of a multi-byte UTF-8 character (emoji, CJK, Cyrillic, ...): one token each, since
 *       random code points measure as low as 1.04 bytes a token;
 *   <li>a {@code \}{@code uXXXX} escape: three tokens, the most its character can take in UTF-8
 *       (the escaped form of the previous class);
 *   <li>ASCII, split into runs at whitespace and JSON punctuation: a run of {@value #DENSE_RUN} or
 *       more bytes is data (base64 measures 1.40 bytes a token, hex 1.75, minified code and ids
 *       less than 3) and counts one token a byte; shorter runs, words and the JSON around them,
 *       count one token per {@value #SPARSE_BYTES_PER_TOKEN} bytes.
 * </ul>
 *
 * <p>The residue that this does not bound is ASCII noise in short runs (random printable characters
 * measure 1.32 bytes a token, so up to 2.3 times the bound), which is documented in docs/budgets.md
 * with what it means for a budget.
 */
public final class TokenBound {
  /** An ASCII run at least this long is counted a token a byte. */
  public static final int DENSE_RUN = 20;

  /** Bytes per token of ASCII in shorter runs. */
  public static final int SPARSE_BYTES_PER_TOKEN = 3;

  /** Whitespace and the JSON punctuation that separate runs. */
  private static final boolean[] BREAKS = new boolean[128];

  static {
    for (char c : " \t\r\n\"{}[],:".toCharArray()) {
      BREAKS[c] = true;
    }
  }

  private TokenBound() {}

  /** The bound for {@code body[from, to)}. */
  public static long of(byte[] body, int from, int to) {
    long tokens = 0;
    long sparse = 0;
    int run = 0;
    for (int i = from; i < to; i++) {
      int c = body[i];
      if (c >= 0 && !BREAKS[c]) {
        if (c == '\\' && i + 5 < to && body[i + 1] == 'u') {
          tokens += 3;
          i += 5;
        } else {
          run++;
          continue;
        }
      } else if (c < 0) {
        tokens++;
      } else {
        sparse++;
      }
      if (run >= DENSE_RUN) {
        tokens += run;
      } else {
        sparse += run;
      }
      run = 0;
    }
    if (run >= DENSE_RUN) {
      tokens += run;
    } else {
      sparse += run;
    }
    return tokens + (sparse + SPARSE_BYTES_PER_TOKEN - 1) / SPARSE_BYTES_PER_TOKEN;
  }
}

package dev.tollgate.governance;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Making, hashing and masking virtual keys. Stateless and thread-safe. */
public final class KeySecrets {
  /** 192 bits of randomness: more than the 128 the design asks for. */
  static final int RANDOM_BYTES = 24;

  /**
   * The fewest characters after {@code sk-} an imported key may have: shorter is too easy to guess.
   * The master key may be shorter (LiteLLM's documentation uses {@code sk-1234}), with a warning.
   */
  public static final int MIN_SECRET_CHARS = 8;

  private static final SecureRandom RANDOM = new SecureRandom();

  private KeySecrets() {}

  /** A new key: {@code sk-} and 32 base64url characters from {@link SecureRandom}. */
  public static String generate() {
    byte[] b = new byte[RANDOM_BYTES];
    RANDOM.nextBytes(b);
    return "sk-" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Whether {@code key} is shorter than an imported key may be ({@link #MIN_SECRET_CHARS}). */
  public static boolean tooShort(String key) {
    String rest = key.startsWith("sk-") ? key.substring(3) : key;
    return rest.length() < MIN_SECRET_CHARS;
  }

  /** SHA-256 of {@code key} as lower-case hex: what is stored and looked up instead of the key. */
  public static String hash(String key) {
    return HexFormat.of().formatHex(MasterKeyAuthenticator.sha256(key));
  }

  /** The form shown after creation, e.g. {@code sk-...x9Qa}: enough to recognise, not to use. */
  public static String mask(String key) {
    return "sk-..." + key.substring(Math.max(0, key.length() - 4));
  }

  /** Whether {@code s} looks like a SHA-256 hex digest rather than a key. */
  public static boolean looksLikeHash(String s) {
    if (s.length() != 64) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}

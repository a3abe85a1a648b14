package dev.tollgate.secrets;

import dev.tollgate.config.Environment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts single string values with AES-256-GCM under a key derived from the salt key ({@code
 * TOLLGATE_SALT_KEY}, else LiteLLM's {@code LITELLM_SALT_KEY}).
 *
 * <p>The AES key is {@code SHA-256(UTF-8 bytes of the salt key)}. A sealed value is the text {@code
 * tollgate:v1:<key id>:<base64url(nonce | ciphertext | tag)>}, with a random 96-bit nonce per value
 * and a 128-bit tag; the key id is the first 8 hex digits of {@code SHA-256("tollgate key id" | AES
 * key)}, so that a value sealed under another salt key is told apart from a tampered one and
 * rotation can skip values already under the current key. Text without the prefix is plaintext (a
 * row written before encryption, or an {@code os.environ/} reference). Immutable and thread-safe.
 */
public final class SecretCipher {
  /** The prefix of every value this class seals. */
  public static final String PREFIX = "tollgate:v1:";

  /** The variables the salt key is read from, in order. */
  public static final String ENV = "TOLLGATE_SALT_KEY";

  public static final String LITELLM_ENV = "LITELLM_SALT_KEY";

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  private final String keyId;

  private SecretCipher(byte[] aesKey) {
    this.key = new SecretKeySpec(aesKey, "AES");
    this.keyId = HexFormat.of().formatHex(sha256(concat("tollgate key id", aesKey)), 0, 4);
  }

  /** The cipher for this salt key. */
  public static SecretCipher of(String saltKey) {
    Objects.requireNonNull(saltKey, "saltKey");
    if (saltKey.isEmpty()) {
      throw new IllegalArgumentException("the salt key is empty");
    }
    return new SecretCipher(sha256(saltKey.getBytes(StandardCharsets.UTF_8)));
  }

  /** The cipher for {@code TOLLGATE_SALT_KEY}, else {@code LITELLM_SALT_KEY}; empty if neither. */
  public static Optional<SecretCipher> fromEnvironment(Environment env) {
    return env.get(ENV).or(() -> env.get(LITELLM_ENV)).map(SecretCipher::of);
  }

  /** The short, non-secret id of this key, as written in every value it seals. */
  public String keyId() {
    return keyId;
  }

  /** Whether {@code value} is sealed (by any key), as opposed to plaintext. */
  public static boolean isSealed(String value) {
    return value.startsWith(PREFIX);
  }

  /** Whether {@code value} was sealed by this key. */
  public boolean sealedByThisKey(String value) {
    return value.startsWith(PREFIX + keyId + ":");
  }

  /** Seals {@code plaintext} under a fresh nonce. */
  public String seal(String plaintext) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = ByteBuffer.allocate(nonce.length + ct.length).put(nonce).put(ct).array();
      return PREFIX + keyId + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
    }
  }

  /**
   * The plaintext of a value: plaintext as it is, a sealed value decrypted.
   *
   * @throws SecretException if it was sealed under another key, or is corrupt or tampered with
   */
  public String open(String value) {
    if (!isSealed(value)) {
      return value;
    }
    String rest = value.substring(PREFIX.length());
    int colon = rest.indexOf(':');
    if (colon < 0) {
      throw new SecretException("the sealed value is malformed (no key id)");
    }
    String id = rest.substring(0, colon);
    if (!id.equals(keyId)) {
      throw new SecretException(
          "the value was encrypted under another salt key (key id "
              + id
              + "; the current key's id is "
              + keyId
              + "); start with the salt key it was written under, or run rotate-salt-key");
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(rest.substring(colon + 1));
    } catch (IllegalArgumentException e) {
      throw new SecretException("the sealed value is malformed (not base64)");
    }
    if (raw.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new SecretException("the sealed value is malformed (too short)");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, raw, 0, NONCE_BYTES));
      byte[] pt = c.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES);
      return new String(pt, StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new SecretException("the sealed value fails authentication (corrupt or tampered)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
    }
  }

  private static byte[] concat(String label, byte[] key) {
    byte[] l = label.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(l.length + key.length).put(l).put(key).array();
  }

  private static byte[] sha256(byte[] in) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(in);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "SecretCipher[keyId=" + keyId + "]";
  }
}

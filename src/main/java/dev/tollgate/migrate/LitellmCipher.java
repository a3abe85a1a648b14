package dev.tollgate.migrate;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * Opens values LiteLLM encrypted with its salt key ({@code LITELLM_SALT_KEY}, else its master key),
 * in each of the formats its {@code encrypt_decrypt_utils.py} writes or reads:
 *
 * <ul>
 *   <li>{@code v3:gcm:} + base64url(nonce(12) | ciphertext | tag(16)): AES-256-GCM under
 *       HKDF-SHA256(salt key, no salt, info {@code litellm-at-rest-v3});
 *   <li>{@code v2:gcm:} + the same: AES-256-GCM under SHA-256(salt key);
 *   <li>no prefix: base64url (or, from older versions, standard base64) of NaCl's secretbox output,
 *       nonce(24) | Poly1305 tag(16) | XSalsa20 ciphertext, under SHA-256(salt key).
 * </ul>
 *
 * Immutable and thread-safe.
 */
final class LitellmCipher {
  private static final String V3 = "v3:gcm:";
  private static final String V2 = "v2:gcm:";
  private static final byte[] HKDF_INFO = "litellm-at-rest-v3".getBytes(StandardCharsets.UTF_8);
  private static final int NACL_NONCE = 24;
  private static final int NACL_TAG = 16;
  private static final int GCM_NONCE = 12;
  private static final int GCM_TAG_BITS = 128;

  private final byte[] sha256Key;
  private final byte[] hkdfKey;

  private LitellmCipher(String saltKey) {
    byte[] ikm = saltKey.getBytes(StandardCharsets.UTF_8);
    this.sha256Key = sha256(ikm);
    this.hkdfKey = hkdfSha256(ikm, new byte[0], HKDF_INFO, 32);
  }

  /** The cipher for LiteLLM's salt key. */
  static LitellmCipher of(String saltKey) {
    Objects.requireNonNull(saltKey, "saltKey");
    if (saltKey.isEmpty()) {
      throw new IllegalArgumentException("the salt key is empty");
    }
    return new LitellmCipher(saltKey);
  }

  /**
   * The plaintext of {@code value} if it is a ciphertext under this key; empty if it is not one
   * (plaintext, as LiteLLM also keeps some values, or sealed under another key), as LiteLLM's own
   * reader falls back to the value as it is.
   */
  Optional<String> open(String value) {
    try {
      if (value.startsWith(V3)) {
        return Optional.of(openGcm(hkdfKey, base64(value.substring(V3.length()))));
      }
      if (value.startsWith(V2)) {
        return Optional.of(openGcm(sha256Key, base64(value.substring(V2.length()))));
      }
      byte[] raw = base64(value);
      if (raw.length < NACL_NONCE + NACL_TAG) {
        return Optional.empty();
      }
      return openSecretBox(sha256Key, raw).map(b -> new String(b, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // not base64, so not a ciphertext
    }
  }

  /** Whether {@code value} has the shape of a LiteLLM ciphertext, whatever its key. */
  static boolean looksEncrypted(String value) {
    if (value.startsWith(V3) || value.startsWith(V2)) {
      return true;
    }
    try {
      return base64(value).length >= NACL_NONCE + NACL_TAG;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static byte[] base64(String s) {
    try {
      return Base64.getUrlDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      return Base64.getDecoder().decode(s);
    }
  }

  /**
   * NaCl's {@code crypto_secretbox_open} of {@code nonce | tag | ciphertext}; empty on a bad tag.
   */
  static Optional<byte[]> openSecretBox(byte[] key, byte[] combined) {
    byte[] nonce = Arrays.copyOfRange(combined, 0, NACL_NONCE);
    byte[] tag = Arrays.copyOfRange(combined, NACL_NONCE, NACL_NONCE + NACL_TAG);
    byte[] ct = Arrays.copyOfRange(combined, NACL_NONCE + NACL_TAG, combined.length);
    XSalsa20Engine stream = new XSalsa20Engine();
    stream.init(false, new ParametersWithIV(new KeyParameter(key), nonce));
    // The first 32 bytes of the key stream are the one-time Poly1305 key; the message uses the
    // stream from byte 32 on.
    byte[] polyKey = new byte[32];
    stream.processBytes(new byte[32], 0, 32, polyKey, 0);
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(polyKey));
    mac.update(ct, 0, ct.length);
    byte[] expected = new byte[NACL_TAG];
    mac.doFinal(expected, 0);
    if (!MessageDigest.isEqual(expected, tag)) {
      return Optional.empty();
    }
    byte[] pt = new byte[ct.length];
    stream.processBytes(ct, 0, ct.length, pt, 0);
    return Optional.of(pt);
  }

  private static String openGcm(byte[] key, byte[] raw) {
    if (raw.length < GCM_NONCE + GCM_TAG_BITS / 8) {
      throw new IllegalArgumentException("too short");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(key, "AES"),
          new GCMParameterSpec(GCM_TAG_BITS, raw, 0, GCM_NONCE));
      return new String(c.doFinal(raw, GCM_NONCE, raw.length - GCM_NONCE), StandardCharsets.UTF_8);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new IllegalArgumentException("fails authentication", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
    }
  }

  /**
   * RFC 5869 HKDF with HMAC-SHA256; an empty {@code salt} is a string of zeros, as the RFC says.
   */
  static byte[] hkdfSha256(byte[] ikm, byte[] salt, byte[] info, int length) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
      byte[] prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      byte[] out = new byte[length];
      byte[] t = new byte[0];
      int done = 0;
      for (int i = 1; done < length; i++) {
        mac.update(t);
        mac.update(info);
        mac.update((byte) i);
        t = mac.doFinal();
        int n = Math.min(t.length, length - done);
        System.arraycopy(t, 0, out, done, n);
        done += n;
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available: " + e.getMessage(), e);
    }
  }

  static byte[] sha256(byte[] in) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(in);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

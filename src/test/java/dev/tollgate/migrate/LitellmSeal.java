package dev.tollgate.migrate;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * Encrypts a value the way LiteLLM's {@code encrypt_value_helper} writes it, for test fixtures:
 * PyNaCl's {@code SecretBox.encrypt} output in url-safe base64, or the {@code v2:gcm:} / {@code
 * v3:gcm:} AES-256-GCM forms. The secretbox primitive itself is checked against PyNaCl's published
 * vector in {@link LitellmCipherTest}.
 */
final class LitellmSeal {
  private static final SecureRandom RANDOM = new SecureRandom();

  private LitellmSeal() {}

  static String nacl(String saltKey, String value) {
    byte[] key = LitellmCipher.sha256(saltKey.getBytes(StandardCharsets.UTF_8));
    byte[] nonce = new byte[24];
    RANDOM.nextBytes(nonce);
    return Base64.getUrlEncoder()
        .encodeToString(secretBox(key, nonce, value.getBytes(StandardCharsets.UTF_8)));
  }

  /** NaCl's {@code crypto_secretbox}: nonce | Poly1305 tag | XSalsa20 ciphertext. */
  static byte[] secretBox(byte[] key, byte[] nonce, byte[] plaintext) {
    XSalsa20Engine stream = new XSalsa20Engine();
    stream.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
    byte[] polyKey = new byte[32];
    stream.processBytes(new byte[32], 0, 32, polyKey, 0);
    byte[] ct = new byte[plaintext.length];
    stream.processBytes(plaintext, 0, plaintext.length, ct, 0);
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(polyKey));
    mac.update(ct, 0, ct.length);
    byte[] tag = new byte[16];
    mac.doFinal(tag, 0);
    byte[] out = new byte[24 + 16 + ct.length];
    System.arraycopy(nonce, 0, out, 0, 24);
    System.arraycopy(tag, 0, out, 24, 16);
    System.arraycopy(ct, 0, out, 40, ct.length);
    return out;
  }

  static String v2(String saltKey, String value) {
    return "v2:gcm:" + gcm(LitellmCipher.sha256(saltKey.getBytes(StandardCharsets.UTF_8)), value);
  }

  static String v3(String saltKey, String value) {
    byte[] key =
        LitellmCipher.hkdfSha256(
            saltKey.getBytes(StandardCharsets.UTF_8),
            new byte[0],
            "litellm-at-rest-v3".getBytes(StandardCharsets.UTF_8),
            32);
    return "v3:gcm:" + gcm(key, value);
  }

  private static String gcm(byte[] key, String value) {
    try {
      byte[] nonce = new byte[12];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      byte[] ct = c.doFinal(value.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[12 + ct.length];
      System.arraycopy(nonce, 0, out, 0, 12);
      System.arraycopy(ct, 0, out, 12, ct.length);
      return Base64.getUrlEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

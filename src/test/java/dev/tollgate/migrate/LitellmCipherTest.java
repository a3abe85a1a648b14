package dev.tollgate.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class LitellmCipherTest {
  private static final HexFormat HEX = HexFormat.of();

  // PyNaCl's SecretBox vector (tests/test_secret.py), NaCl's own secretbox test.
  private static final byte[] KEY =
      HEX.parseHex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
  private static final byte[] NONCE =
      HEX.parseHex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
  private static final byte[] PLAINTEXT =
      HEX.parseHex(
          "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5e"
              + "cbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8"
              + "250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb4"
              + "8f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705");
  private static final byte[] BOX =
      HEX.parseHex(
          "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce483"
              + "32ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c2"
              + "0f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae902243685"
              + "17acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d"
              + "14a6599b1f654cb45a74e355a5");

  private static byte[] combined() {
    byte[] c = new byte[NONCE.length + BOX.length];
    System.arraycopy(NONCE, 0, c, 0, NONCE.length);
    System.arraycopy(BOX, 0, c, NONCE.length, BOX.length);
    return c;
  }

  @Test
  void openSecretBox_naclVector_givesThePlaintext() {
    assertThat(LitellmCipher.openSecretBox(KEY, combined()))
        .hasValueSatisfying(pt -> assertThat(pt).isEqualTo(PLAINTEXT));
  }

  @Test
  void openSecretBox_flippedByte_refuses() {
    for (int at : new int[] {0, 24, 40, combined().length - 1}) {
      byte[] c = combined();
      c[at] ^= 1;
      assertThat(LitellmCipher.openSecretBox(KEY, c)).as("byte %d flipped", at).isEmpty();
    }
  }

  @Test
  void secretBox_testHelper_reproducesTheNaclVector() {
    // The fixtures' encryptor is the vector's inverse, so fixtures are in PyNaCl's format.
    assertThat(LitellmSeal.secretBox(KEY, NONCE, PLAINTEXT)).isEqualTo(combined());
  }

  @Test
  void hkdfSha256_rfc5869Vectors() {
    byte[] ikm = HEX.parseHex("0b".repeat(22));
    assertThat(
            HEX.formatHex(
                LitellmCipher.hkdfSha256(
                    ikm,
                    HEX.parseHex("000102030405060708090a0b0c"),
                    HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"),
                    42)))
        .isEqualTo(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    // test case 3: no salt and no info, as LiteLLM's HKDF(salt=None) is
    assertThat(HEX.formatHex(LitellmCipher.hkdfSha256(ikm, new byte[0], new byte[0], 42)))
        .isEqualTo(
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  }

  @Test
  void open_eachLitellmFormat_givesThePlaintext() {
    LitellmCipher c = LitellmCipher.of("salt-1");
    assertThat(c.open(LitellmSeal.nacl("salt-1", "sk-upstream"))).hasValue("sk-upstream");
    assertThat(c.open(LitellmSeal.v2("salt-1", "sk-upstream"))).hasValue("sk-upstream");
    assertThat(c.open(LitellmSeal.v3("salt-1", "sk-upstream"))).hasValue("sk-upstream");
    // older LiteLLM wrote standard base64
    String std =
        Base64.getEncoder()
            .encodeToString(Base64.getUrlDecoder().decode(LitellmSeal.nacl("salt-1", "x/y+z")));
    assertThat(c.open(std)).hasValue("x/y+z");
  }

  @Test
  void open_otherKeyOrPlaintext_isEmpty() {
    LitellmCipher c = LitellmCipher.of("salt-1");
    assertThat(c.open(LitellmSeal.nacl("salt-2", "sk-upstream"))).isEmpty();
    assertThat(c.open(LitellmSeal.v3("salt-2", "sk-upstream"))).isEmpty();
    assertThat(c.open("openai/gpt-4o-mini")).isEmpty();
    assertThat(c.open("gpt-4o")).isEmpty();
  }

  @Test
  void looksEncrypted_ciphertextsYes_plainValuesNo() {
    assertThat(LitellmCipher.looksEncrypted(LitellmSeal.nacl("k", "sk"))).isTrue();
    assertThat(LitellmCipher.looksEncrypted(LitellmSeal.v2("k", "sk"))).isTrue();
    assertThat(LitellmCipher.looksEncrypted("openai/gpt-4o-mini")).isFalse();
    assertThat(LitellmCipher.looksEncrypted("https://api.openai.com/v1")).isFalse();
    assertThat(LitellmCipher.looksEncrypted(new String(new byte[0], StandardCharsets.UTF_8)))
        .isFalse();
  }
}

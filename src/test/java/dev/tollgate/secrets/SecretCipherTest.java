package dev.tollgate.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.Environment;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretCipherTest {
  final SecretCipher cipher = SecretCipher.of("salt-one");

  @Test
  void seal_thenOpen_roundTrips() {
    for (String s : new String[] {"sk-abc", "", "ünïcødé 🔑", "x".repeat(10_000)}) {
      String sealed = cipher.seal(s);
      assertThat(sealed).startsWith(SecretCipher.PREFIX + cipher.keyId() + ":");
      assertThat(SecretCipher.isSealed(sealed)).isTrue();
      assertThat(cipher.sealedByThisKey(sealed)).isTrue();
      assertThat(cipher.open(sealed)).isEqualTo(s);
    }
  }

  @Test
  void seal_sameValueTwice_distinctNonces() {
    String a = cipher.seal("sk-abc");
    String b = cipher.seal("sk-abc");
    assertThat(a).isNotEqualTo(b);
    byte[] ra = Base64.getUrlDecoder().decode(a.substring(a.lastIndexOf(':') + 1));
    byte[] rb = Base64.getUrlDecoder().decode(b.substring(b.lastIndexOf(':') + 1));
    assertThat(java.util.Arrays.copyOf(ra, 12)).isNotEqualTo(java.util.Arrays.copyOf(rb, 12));
    assertThat(a).doesNotContain("sk-abc");
  }

  @Test
  void open_tamperedCiphertext_failsAuthentication() {
    String sealed = cipher.seal("sk-abc");
    int at = sealed.lastIndexOf(':') + 1;
    byte[] raw = Base64.getUrlDecoder().decode(sealed.substring(at));
    raw[raw.length - 1] ^= 1;
    String tampered =
        sealed.substring(0, at) + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    assertThatThrownBy(() -> cipher.open(tampered))
        .isInstanceOf(SecretException.class)
        .hasMessageContaining("fails authentication");
  }

  @Test
  void open_wrongKey_saysAnotherSaltKey() {
    String sealed = SecretCipher.of("salt-two").seal("sk-abc");
    assertThatThrownBy(() -> cipher.open(sealed))
        .isInstanceOf(SecretException.class)
        .hasMessageContaining("another salt key")
        .hasMessageNotContaining("sk-abc");
  }

  @Test
  void open_wrongKeyWithForgedKeyId_failsAuthentication() {
    String sealed = SecretCipher.of("salt-two").seal("sk-abc");
    String forged =
        SecretCipher.PREFIX + cipher.keyId() + sealed.substring(sealed.lastIndexOf(':'));
    assertThatThrownBy(() -> cipher.open(forged)).isInstanceOf(SecretException.class);
  }

  @Test
  void open_plaintext_returnsItAsIs() {
    assertThat(cipher.open("sk-plain")).isEqualTo("sk-plain");
    assertThat(SecretCipher.isSealed("sk-plain")).isFalse();
  }

  @Test
  void open_malformed_throws() {
    assertThatThrownBy(() -> cipher.open(SecretCipher.PREFIX + cipher.keyId() + ":!!"))
        .isInstanceOf(SecretException.class);
    assertThatThrownBy(() -> cipher.open(SecretCipher.PREFIX + cipher.keyId() + ":AAAA"))
        .isInstanceOf(SecretException.class);
    assertThatThrownBy(() -> cipher.open(SecretCipher.PREFIX + "nokeyid"))
        .isInstanceOf(SecretException.class);
  }

  @Test
  void of_sameSaltKey_sameKey() {
    assertThat(SecretCipher.of("salt-one").open(cipher.seal("v"))).isEqualTo("v");
    assertThat(SecretCipher.of("salt-one").keyId()).isEqualTo(cipher.keyId());
    assertThat(SecretCipher.of("salt-two").keyId()).isNotEqualTo(cipher.keyId());
  }

  @Test
  void fromEnvironment_prefersTollgateThenLitellm() {
    assertThat(SecretCipher.fromEnvironment(Environment.of(Map.of()))).isEmpty();
    assertThat(
            SecretCipher.fromEnvironment(Environment.of(Map.of("LITELLM_SALT_KEY", "salt-one")))
                .orElseThrow()
                .keyId())
        .isEqualTo(cipher.keyId());
    assertThat(
            SecretCipher.fromEnvironment(
                    Environment.of(
                        Map.of("LITELLM_SALT_KEY", "salt-two", "TOLLGATE_SALT_KEY", "salt-one")))
                .orElseThrow()
                .keyId())
        .isEqualTo(cipher.keyId());
  }
}

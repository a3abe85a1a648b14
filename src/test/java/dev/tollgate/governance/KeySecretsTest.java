package dev.tollgate.governance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeySecretsTest {

  @Test
  void generate_format_skPrefixAndAtLeast128BitsOfBase64Url() {
    String k = KeySecrets.generate();
    assertThat(k).matches("sk-[A-Za-z0-9_-]{32}");
    byte[] random = Base64.getUrlDecoder().decode(k.substring(3));
    assertThat(random.length * 8).isGreaterThanOrEqualTo(128);
  }

  @Test
  void generate_tenThousandKeys_allDistinctAndBitsVary() {
    Set<String> seen = new HashSet<>();
    int[] ones = new int[KeySecrets.RANDOM_BYTES * 8];
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      String k = KeySecrets.generate();
      assertThat(seen.add(k)).isTrue();
      byte[] b = Base64.getUrlDecoder().decode(k.substring(3));
      for (int bit = 0; bit < ones.length; bit++) {
        if ((b[bit / 8] >> (bit % 8) & 1) == 1) {
          ones[bit]++;
        }
      }
    }
    // Each bit is set in about half the keys: far from 0 or n for every position.
    for (int c : ones) {
      assertThat(c).isBetween(n * 45 / 100, n * 55 / 100);
    }
  }

  @Test
  void hash_key_isSha256LowerHexAndNotTheKey() {
    String k = KeySecrets.generate();
    String h = KeySecrets.hash(k);
    assertThat(h).matches("[0-9a-f]{64}").doesNotContain(k.substring(3));
    assertThat(KeySecrets.hash(k)).isEqualTo(h);
    assertThat(KeySecrets.looksLikeHash(h)).isTrue();
    assertThat(KeySecrets.looksLikeHash(k)).isFalse();
    assertThat(KeySecrets.hash("sk-1234"))
        .isEqualTo("88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b");
  }

  @Test
  void mask_key_showsOnlyTheLastFourCharacters() {
    assertThat(KeySecrets.mask("sk-abcdefghijklmnop")).isEqualTo("sk-...mnop");
  }
}

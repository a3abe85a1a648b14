package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The cache key: what changes the answer is in it, nothing else is. */
class CacheKeyTest {
  static JsonNode json(String s) {
    try {
      return Json.MAPPER.readTree(s);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static String key(String body) {
    return CacheKey.of("group", json(body), Optional.empty());
  }

  static final String BASE =
      "{\"model\":\"m\",\"temperature\":0.5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void of_isSha256Hex() {
    assertThat(key(BASE)).matches("[0-9a-f]{64}");
  }

  @Test
  void of_memberOrderAtAnyDepth_sameKey() {
    assertThat(
            key(
                "{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"temperature\":0.5,"
                    + "\"model\":\"m\"}"))
        .isEqualTo(key(BASE));
  }

  @Test
  void of_oneNumberWrittenTwoWays_sameKey() {
    assertThat(key("{\"temperature\":1,\"messages\":[]}"))
        .isEqualTo(key("{\"temperature\":1.0,\"messages\":[]}"))
        .isEqualTo(key("{\"temperature\":1e0,\"messages\":[]}"));
  }

  @Test
  void of_fieldsThatDoNotChangeTheAnswer_ignored() {
    assertThat(
            key(
                "{\"model\":\"alias\",\"temperature\":0.5,\"stream\":true,\"user\":\"u-1\","
                    + "\"metadata\":{\"tags\":[\"a\"]},\"cache\":{\"ttl\":5},\"num_retries\":2,"
                    + "\"fallbacks\":[\"other\"],"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
        .isEqualTo(key(BASE));
  }

  @Test
  void of_anyFieldThatChangesTheAnswer_otherKey() {
    assertThat(key(BASE.replace("0.5", "0.6"))).isNotEqualTo(key(BASE));
    assertThat(key(BASE.replace("hi", "Hi"))).isNotEqualTo(key(BASE));
    assertThat(key(BASE.replace("\"user\"", "\"system\""))).isNotEqualTo(key(BASE));
    assertThat(key(BASE.replace("{\"model\"", "{\"tools\":[{\"type\":\"function\"}],\"model\"")))
        .isNotEqualTo(key(BASE));
    assertThat(key(BASE.replace("{\"model\"", "{\"seed\":1,\"model\""))).isNotEqualTo(key(BASE));
    assertThat(
            key(
                BASE.replace(
                    "{\"model\"", "{\"stream_options\":{\"include_usage\":true},\"model\"")))
        .isNotEqualTo(key(BASE));
  }

  @Test
  void of_otherModelGroup_otherKey() {
    assertThat(CacheKey.of("other", json(BASE), Optional.empty())).isNotEqualTo(key(BASE));
  }

  @Test
  void of_stringThatLooksLikeANumber_notTheNumber() {
    assertThat(key("{\"temperature\":\"1\"}")).isNotEqualTo(key("{\"temperature\":1}"));
  }

  @Test
  void of_perKey_separatesKeys_andNeverEqualsTheSharedKey() {
    String a = CacheKey.of("group", json(BASE), Optional.of("hash-a"));
    String b = CacheKey.of("group", json(BASE), Optional.of("hash-b"));
    assertThat(a).isNotEqualTo(b).isNotEqualTo(key(BASE));
    assertThat(CacheKey.of("group", json(BASE), Optional.of("hash-a"))).isEqualTo(a);
  }

  @Test
  void canonical_sortsMembers_andWritesNumbersInOneForm() {
    assertThat(CacheKey.canonical(json("{\"b\":[1.50,{\"y\":true,\"x\":null}],\"a\":\"s\"}")))
        .isEqualTo("{\"a\":\"s\",\"b\":[1.5,{\"x\":null,\"y\":true}]}");
  }
}

package dev.tollgate.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.pricing.Usage;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OpenAiUsageTest {
  static Optional<Usage> find(String json) {
    return OpenAiUsage.find(json.getBytes(StandardCharsets.UTF_8));
  }

  static final String USAGE =
      "{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":4,\"audio_tokens\":0},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":2,\"audio_tokens\":0}}";

  @Test
  void find_realResponse_splitsCachedTokensOut() {
    Optional<Usage> u =
        find(
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":"
                + USAGE
                + ",\"system_fingerprint\":\"fp\"}");
    assertThat(u).contains(new Usage(8, 5, 4, 0, 0, 2, 0, 0, 0, 0));
  }

  /** Text that looks like usage, inside strings or nested objects, is never taken for it. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"choices\":[{\"message\":{\"content\":\"\\\"usage\\\": {\\\"prompt_tokens\\\": 999}\"}}],\"usage\":%s}",
        "{\"choices\":[{\"usage\":{\"prompt_tokens\":999}}],\"usage\":%s}",
        "{\"note\":\"a } brace and a \\\\\",\"usage\":%s}",
        "{ \"model\" : \"m\" ,\n  \"usage\"  :  %s \n}",
        "{\"usage\":%s,\"usage\":{\"prompt_tokens\":999}}"
      })
  void find_onlyTheTopLevelField_counts(String template) {
    assertThat(find(template.formatted(USAGE))).contains(new Usage(8, 5, 4, 0, 0, 2, 0, 0, 0, 0));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"choices\":[],\"usage\":null}",
        "{\"choices\":[{\"usage\":{\"prompt_tokens\":999}}]}",
        "[1,2]",
        "{\"a\":\"unterminated",
        "{\"a\" 1, \"usage\":{\"prompt_tokens\":1}}",
        ""
      })
  void find_noTopLevelUsage_isEmpty(String json) {
    assertThat(find(json)).isEmpty();
  }

  @Test
  void isAbsentOrEmptyArray_tellsTheUsageOnlyChunk() {
    byte[] choices = "choices".getBytes(StandardCharsets.US_ASCII);
    assertThat(
            OpenAiUsage.isAbsentOrEmptyArray(
                "{\"choices\": [ ],\"usage\":{}}".getBytes(StandardCharsets.UTF_8), choices))
        .isTrue();
    assertThat(
            OpenAiUsage.isAbsentOrEmptyArray(
                "{\"usage\":{}}".getBytes(StandardCharsets.UTF_8), choices))
        .isTrue();
    assertThat(
            OpenAiUsage.isAbsentOrEmptyArray(
                "{\"choices\":[{\"index\":0}],\"usage\":{}}".getBytes(StandardCharsets.UTF_8),
                choices))
        .isFalse();
    assertThat(
            OpenAiUsage.isAbsentOrEmptyArray(
                "{\"x\":{\"choices\":[]},\"choices\":[1]}".getBytes(StandardCharsets.UTF_8),
                choices))
        .isFalse();
  }

  @Test
  void find_responsesApiUsage_readsInputAndOutputTokenNames() {
    Optional<Usage> u =
        find(
            "{\"id\":\"resp_1\",\"object\":\"response\",\"output\":[],\"usage\":"
                + "{\"input_tokens\":36,\"input_tokens_details\":{\"cached_tokens\":6},"
                + "\"output_tokens\":87,\"output_tokens_details\":{\"reasoning_tokens\":12},"
                + "\"total_tokens\":123}}");
    assertThat(u).contains(new Usage(30, 87, 6, 0, 0, 12, 0, 0, 0, 0));
  }

  @Test
  void findInResponse_terminalEvent_readsTheResponsesUsageOnly() {
    String event =
        "{\"type\":\"response.completed\",\"usage\":{\"input_tokens\":999},\"response\":"
            + "{\"id\":\"resp_1\",\"output\":[{\"usage\":{\"input_tokens\":998}}],"
            + "\"usage\":{\"input_tokens\":10,\"output_tokens\":3}},\"sequence_number\":9}";
    assertThat(OpenAiUsage.findInResponse(event.getBytes(StandardCharsets.UTF_8)))
        .contains(Usage.tokens(10, 3));
    assertThat(
            OpenAiUsage.findInResponse(
                "{\"type\":\"response.created\",\"response\":{\"usage\":null}}"
                    .getBytes(StandardCharsets.UTF_8)))
        .isEmpty();
  }

  /** Each OpenAI-compatible provider's documented usage shape, as billed. */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        // OpenAI: cached tokens are part of prompt_tokens.
        "openai|{\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":60},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":5}}}|40|20|60|0|5",
        // DeepSeek: hits and misses make prompt_tokens; no details object.
        "deepseek|{\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,"
            + "\"prompt_cache_hit_tokens\":70,\"prompt_cache_miss_tokens\":30}}|30|20|70|0|0",
        // DeepSeek reasoner: both spellings of the cache hits, and reasoning tokens.
        "deepseek-reasoner|{\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":50,"
            + "\"prompt_cache_hit_tokens\":64,\"prompt_cache_miss_tokens\":36,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":64},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":30}}}|36|50|64|0|30",
        // OpenRouter: cache reads and writes under prompt_tokens_details, cost beside.
        "openrouter|{\"usage\":{\"prompt_tokens\":194,\"completion_tokens\":2,"
            + "\"cost\":0.95,\"prompt_tokens_details\":{\"cached_tokens\":50,"
            + "\"cache_write_tokens\":100,\"audio_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}|44|2|50|100|0",
        // Counts that do not add up are capped, never negative.
        "inconsistent|{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":1,"
            + "\"prompt_cache_hit_tokens\":8,"
            + "\"prompt_tokens_details\":{\"cache_write_tokens\":9}}}|0|1|8|2|0"
      })
  void find_providersUsageShapes_billedAtTheRightRates(
      String provider,
      String json,
      long input,
      long output,
      long cacheRead,
      long cacheWrite,
      long reasoning) {
    assertThat(find(json))
        .as(provider)
        .contains(new Usage(input, output, cacheRead, cacheWrite, 0, reasoning, 0, 0, 0, 0));
  }
}

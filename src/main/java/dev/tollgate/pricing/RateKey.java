package dev.tollgate.pricing;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every per-unit rate Tollgate understands, named by LiteLLM's cost-map field. A deployment's
 * custom pricing and the catalog both speak in these keys; a key not listed here is not a price.
 */
public enum RateKey {
  INPUT("input_cost_per_token"),
  OUTPUT("output_cost_per_token"),
  CACHE_READ("cache_read_input_token_cost"),
  CACHE_CREATION("cache_creation_input_token_cost"),
  CACHE_CREATION_1H("cache_creation_input_token_cost_above_1hr"),
  REASONING("output_cost_per_reasoning_token"),
  INPUT_AUDIO("input_cost_per_audio_token"),
  OUTPUT_AUDIO("output_cost_per_audio_token"),
  PER_REQUEST("input_cost_per_request"),
  INPUT_IMAGE("input_cost_per_image"),
  OUTPUT_IMAGE("output_cost_per_image"),
  INPUT_SECOND("input_cost_per_second"),
  OUTPUT_SECOND("output_cost_per_second"),
  INPUT_CHARACTER("input_cost_per_character"),
  OUTPUT_CHARACTER("output_cost_per_character"),
  PER_QUERY("input_cost_per_query"),
  INPUT_ABOVE_128K("input_cost_per_token_above_128k_tokens"),
  OUTPUT_ABOVE_128K("output_cost_per_token_above_128k_tokens"),
  INPUT_ABOVE_200K("input_cost_per_token_above_200k_tokens"),
  OUTPUT_ABOVE_200K("output_cost_per_token_above_200k_tokens"),
  CACHE_READ_ABOVE_200K("cache_read_input_token_cost_above_200k_tokens"),
  CACHE_CREATION_ABOVE_200K("cache_creation_input_token_cost_above_200k_tokens");

  private static final Map<String, RateKey> BY_NAME =
      Arrays.stream(values())
          .collect(Collectors.toUnmodifiableMap(k -> k.name, Function.identity()));

  private final String name;

  RateKey(String name) {
    this.name = name;
  }

  /** The LiteLLM field name, as written in `litellm_params` and in cost maps. */
  public String liteLlmName() {
    return name;
  }

  /** The key for a LiteLLM field name, if it is a rate Tollgate understands. */
  public static Optional<RateKey> fromLiteLlmName(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }
}

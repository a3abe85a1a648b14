package dev.tollgate.config;

import static dev.tollgate.config.ConfigLoaderTest.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.provider.Endpoint;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code litellm_settings.cache} and {@code cache_params}, read as LiteLLM names them. */
class CacheParamsConfigTest {

  @Test
  void parse_noCache_off() {
    assertThat(parse("model_list: []").litellm().cache()).isEmpty();
  }

  @Test
  void parse_cacheTrueAlone_localDefaults() {
    GatewayConfig c = parse("litellm_settings:\n  cache: true\n");
    assertThat(c.litellm().cache()).contains(CacheParams.defaults());
    assertThat(c.warnings()).isEmpty();
  }

  @Test
  void parse_everyParam() {
    GatewayConfig c =
        parse(
            """
            litellm_settings:
              cache: true
              cache_params:
                type: redis
                ttl: 30
                namespace: team-a
                mode: default_off
                supported_call_types: [acompletion, aembedding]
                per_key: true
                max_size_in_memory: 50
                max_bytes_in_memory: 1000000
            """);
    assertThat(c.warnings()).isEmpty();
    assertThat(c.litellm().cache())
        .contains(
            new CacheParams(
                CacheParams.Type.REDIS,
                30_000,
                Optional.of("team-a"),
                true,
                java.util.Set.of(Endpoint.CHAT, Endpoint.EMBEDDINGS),
                true,
                50,
                1_000_000));
  }

  @Test
  void parse_unknownKeysAndRedisConnection_warned() {
    GatewayConfig c =
        parse(
            """
            litellm_settings:
              cache: true
              cache_params:
                host: localhost
                similarity_threshold: 0.8
                supported_call_types: [acompletion, atranscription]
            """);
    assertThat(c.warnings())
        .anySatisfy(w -> assertThat(w).contains("cache_params.host").contains("gateway's Redis"))
        .anySatisfy(w -> assertThat(w).contains("cache_params.similarity_threshold"))
        .anySatisfy(
            w -> assertThat(w).contains("supported_call_types[1]").contains("atranscription"));
    assertThat(c.litellm().cache().orElseThrow().endpoints()).containsExactly(Endpoint.CHAT);
  }

  @Test
  void parse_cacheParamsWithoutCache_warnedAndOff() {
    GatewayConfig c = parse("litellm_settings:\n  cache_params: {type: local}\n");
    assertThat(c.litellm().cache()).isEmpty();
    assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("cache: true"));
  }

  @Test
  void parse_badValues_fail() {
    assertThatThrownBy(
            () -> parse("litellm_settings:\n  cache: true\n  cache_params: {type: s3}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cache_params.type")
        .hasMessageContaining("s3");
    assertThatThrownBy(
            () -> parse("litellm_settings:\n  cache: true\n  cache_params: {mode: sometimes}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cache_params.mode");
    assertThatThrownBy(
            () ->
                parse(
                    "litellm_settings:\n  cache: true\n"
                        + "  cache_params: {supported_call_types: [chat]}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("supported_call_types[0]");
    assertThatThrownBy(() -> parse("litellm_settings:\n  cache: true\n  cache_params: {ttl: 0}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cache_params.ttl");
  }
}

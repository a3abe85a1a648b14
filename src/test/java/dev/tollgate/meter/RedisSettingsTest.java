package dev.tollgate.meter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Environment;
import dev.tollgate.config.GatewayConfig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RedisSettingsTest {
  private static final Environment NO_ENV = Environment.of(Map.of());

  private static GatewayConfig config(String yaml) {
    return ConfigLoader.parse("config.yaml", yaml, NO_ENV);
  }

  private static final String ROUTER =
      """
      router_settings:
        redis_host: router-host
        redis_port: 6380
        redis_password: router-secret
      """;

  @Test
  void from_generalRedisUrl_winsOverEverything() {
    GatewayConfig c =
        config(
            """
            general_settings:
              redis_url: redis://general:6379
            """
                + ROUTER);
    Environment env = Environment.of(Map.of("REDIS_URL", "redis://env:1", "REDIS_HOST", "h"));
    assertThat(RedisSettings.from(c, env).orElseThrow().endpoint())
        .isEqualTo("redis://general:6379");
  }

  @Test
  void from_redisUrlEnv_winsOverRouterSettings() {
    Environment env = Environment.of(Map.of("REDIS_URL", "redis://env:1"));
    assertThat(RedisSettings.from(config(ROUTER), env).orElseThrow().endpoint())
        .isEqualTo("redis://env:1");
  }

  @Test
  void from_routerSettings_hostPortPassword() {
    RedisSettings s =
        RedisSettings.from(config(ROUTER), Environment.of(Map.of("REDIS_HOST", "h"))).orElseThrow();
    assertThat(s.endpoint()).isEqualTo("redis://router-host:6380");
    assertThat(s.password()).contains("router-secret");
  }

  @Test
  void from_hostEnv_defaultsPortTo6379() {
    RedisSettings s =
        RedisSettings.from(
                config("{}"), Environment.of(Map.of("REDIS_HOST", "h", "REDIS_PASSWORD", "pw")))
            .orElseThrow();
    assertThat(s.endpoint()).isEqualTo("redis://h:6379");
    assertThat(s.password()).contains("pw");
    assertThat(s.failureMode()).isEqualTo(RedisFailureMode.LOCAL);
    assertThat(s.keyPrefix()).isEqualTo("tollgate:");
  }

  @Test
  void from_nothingConfigured_isEmpty() {
    assertThat(RedisSettings.from(config("{}"), NO_ENV)).isEmpty();
  }

  @Test
  void from_badPortEnv_namesTheVariable() {
    Environment env = Environment.of(Map.of("REDIS_HOST", "h", "REDIS_PORT", "http"));
    assertThatThrownBy(() -> RedisSettings.from(config("{}"), env))
        .hasMessageContaining("REDIS_PORT");
  }

  @Test
  void toString_hidesPasswords() {
    RedisSettings s =
        RedisSettings.ofUrl("redis://:hunter2@host:6379").withPassword(Optional.of("hunter3"));
    assertThat(s.toString()).doesNotContain("hunter2").doesNotContain("hunter3").contains("host");
  }

  @Test
  void parse_failureMode_acceptsLocalAndClosedOnly() {
    assertThat(RedisFailureMode.parse("local")).isEqualTo(RedisFailureMode.LOCAL);
    assertThat(RedisFailureMode.parse(" CLOSED ")).isEqualTo(RedisFailureMode.CLOSED);
    assertThatThrownBy(() -> RedisFailureMode.parse("open"))
        .hasMessageContaining("redis_failure_mode")
        .hasMessageContaining("'local' or 'closed'");
  }
}

package dev.tollgate.cache;

import static dev.tollgate.cache.CacheKeyTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.common.GatewayException;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The per-request controls, from the body's {@code cache} and the Cache-Control header. */
class CacheControlTest {

  @Test
  void of_nothing_none() {
    assertThat(CacheControl.of(null, null)).isEqualTo(CacheControl.NONE);
  }

  @Test
  void of_body_readsLiteLlmsNames() {
    CacheControl c =
        CacheControl.of(
            json(
                "{\"no-cache\":true,\"no-store\":true,\"use-cache\":true,\"ttl\":1.5,"
                    + "\"s-maxage\":10,\"namespace\":\"team-a\"}"),
            null);
    assertThat(c)
        .isEqualTo(
            new CacheControl(
                true,
                true,
                true,
                OptionalLong.of(1500),
                OptionalLong.of(10_000),
                Optional.of("team-a")));
  }

  @Test
  void of_header_noCacheNoStoreAndMaxAge() {
    CacheControl c = CacheControl.of(null, "No-Cache, no-store, max-age=30");
    assertThat(c.noCache()).isTrue();
    assertThat(c.noStore()).isTrue();
    assertThat(c.maxAgeMillis()).hasValue(30_000);
    assertThat(CacheControl.of(null, "s-maxage=2").maxAgeMillis()).hasValue(2_000);
  }

  @Test
  void of_bodyAndHeader_bodyWinsWhereItSpeaks() {
    CacheControl c = CacheControl.of(json("{\"s-maxage\":5,\"no-cache\":false}"), "max-age=30");
    assertThat(c.maxAgeMillis()).hasValue(5_000);
    assertThat(c.noCache()).isFalse();
    assertThat(CacheControl.of(json("{\"ttl\":5}"), "no-cache").noCache()).isTrue();
  }

  @Test
  void of_wrongTypes_400NamingCache() {
    for (String bad :
        new String[] {
          "[]", "{\"no-cache\":\"yes\"}", "{\"ttl\":-1}", "{\"ttl\":\"5\"}", "{\"namespace\":3}"
        }) {
      assertThatThrownBy(() -> CacheControl.of(json(bad), null))
          .as(bad)
          .isInstanceOfSatisfying(
              GatewayException.class,
              e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.param()).isEqualTo("cache");
              });
    }
    assertThatThrownBy(() -> CacheControl.of(null, "max-age=soon"))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("max-age");
  }
}

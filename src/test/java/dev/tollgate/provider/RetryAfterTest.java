package dev.tollgate.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

/** What an upstream's error response asks the router to wait. */
class RetryAfterTest {
  static MultiMap headers(String... nameValue) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.add(nameValue[i], nameValue[i + 1]);
    }
    return m;
  }

  @Test
  void retryAfterMillis_msHeader_winsOverSeconds() {
    assertThat(UpstreamCall.retryAfterMillis(headers("retry-after-ms", "12.5", "retry-after", "3")))
        .isEqualTo(13);
  }

  @Test
  void retryAfterMillis_seconds_inMillis() {
    assertThat(UpstreamCall.retryAfterMillis(headers("Retry-After", "2"))).isEqualTo(2_000);
    assertThat(UpstreamCall.retryAfterMillis(headers("retry-after", "0.25"))).isEqualTo(250);
  }

  @Test
  void retryAfterMillis_noneOrDateOrGarbage_unknown() {
    assertThat(UpstreamCall.retryAfterMillis(headers())).isEqualTo(-1);
    assertThat(
            UpstreamCall.retryAfterMillis(headers("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")))
        .isEqualTo(-1);
    assertThat(UpstreamCall.retryAfterMillis(headers("retry-after-ms", "soon"))).isEqualTo(-1);
    assertThat(UpstreamCall.retryAfterMillis(headers("retry-after", "-5"))).isEqualTo(-1);
  }
}

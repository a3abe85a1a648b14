package dev.tollgate.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class UpstreamLimitsTest {
  private final List<String> said = new ArrayList<>();
  private final UpstreamLimits limits =
      (id, requests, tokens) -> said.add(id + " " + text(requests) + " " + text(tokens));

  private static String text(OptionalLong v) {
    return v.isPresent() ? Long.toString(v.getAsLong()) : "-";
  }

  @Test
  void openAiAndAzureHeaders_areRead() {
    limits.heard(
        "d1",
        MultiMap.caseInsensitiveMultiMap()
            .add("X-RateLimit-Remaining-Requests", "59")
            .add("x-ratelimit-remaining-tokens", "149984")
            .add("x-ratelimit-limit-requests", "60"));
    assertThat(said).containsExactly("d1 59 149984");
  }

  @Test
  void anthropicHeaders_areRead() {
    limits.heard(
        "c1",
        MultiMap.caseInsensitiveMultiMap()
            .add("anthropic-ratelimit-requests-remaining", "49")
            .add("anthropic-ratelimit-tokens-remaining", "39000")
            .add("anthropic-ratelimit-requests-reset", "2026-12-05T10:00:00Z"));
    assertThat(said).containsExactly("c1 49 39000");
  }

  @Test
  void oneCountAlone_isReportedAlone() {
    limits.heard("d1", MultiMap.caseInsensitiveMultiMap().add("x-ratelimit-remaining-tokens", "7"));
    assertThat(said).containsExactly("d1 - 7");
  }

  @Test
  void noCounts_orNoNumbers_reportNothing() {
    limits.heard("d1", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"));
    limits.heard(
        "d1",
        MultiMap.caseInsensitiveMultiMap()
            .add("x-ratelimit-remaining-requests", "lots")
            .add("x-ratelimit-remaining-tokens", "-3"));
    assertThat(said).isEmpty();
  }
}

package dev.tollgate.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * The gateway the UI tests run against: a priced model {@code custom} (0.000074 USD a request from
 * the fake upstream's usage) and an unpriced one {@code unknown}, with calls and waits on it.
 */
final class UiGateway {
  private UiGateway() {}

  /** A fake upstream answering 8 uncached input, 4 cached and 5 output tokens. */
  static FakeOpenAi upstream() {
    FakeOpenAi upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
    return upstream;
  }

  static TestGateway start(FakeOpenAi upstream, Map<String, String> env) {
    return TestGateway.start(
        """
        model_list:
          - model_name: custom
            litellm_params: {model: openai/acme-internal, api_base: %1$s,
                             input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
            model_info: {id: custom-1}
          - model_name: unknown
            litellm_params: {model: openai/acme-unpriced, api_base: %1$s}
            model_info: {id: unknown-1}
        """
            .formatted(upstream.apiBase()),
        env);
  }

  /** A chat request to {@code custom} with {@code key}. */
  static HttpResponse<String> chat(TestGateway gw, String key) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"custom\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
            .build());
  }

  /** Waits until the key with {@code token} has spent {@code usd}: spend settles after answers. */
  static void awaitSpend(TestGateway gw, String token, BigDecimal usd) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      JsonNode info = json(gw.get("/key/info?key=" + token).body()).path("info");
      if (info.path("spend").decimalValue().compareTo(usd) == 0) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the key's spend never reached " + usd);
  }

  /**
   * Waits until the spend log holds {@code count} requests of user {@code userId}: records are
   * written in batches after the answers.
   */
  static void awaitLogged(TestGateway gw, String userId, int count) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      if (json(gw.get("/spend/logs?user_id=" + userId).body()).size() >= count) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the spend log never held " + count + " requests of " + userId);
  }

  static int keyCount(TestGateway gw) {
    return json(gw.get("/key/list").body()).path("total_count").asInt();
  }

  static JsonNode json(String s) {
    try {
      return Json.MAPPER.readTree(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

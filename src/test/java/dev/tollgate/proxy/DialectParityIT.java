package dev.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same budget and limit scenarios through every client API Tollgate speaks: budgets, rate
 * limits, response headers and spend records must come out the same whichever API a client uses,
 * since all of them run one request path. Each test runs its scenario once per API and compares.
 */
class DialectParityIT {
  static final BigDecimal IN = new BigDecimal("0.000002");
  static final BigDecimal OUT = new BigDecimal("0.00001");

  /** What one request costs: the upstream always reports 12 tokens in and 5 out. */
  static final BigDecimal COST =
      IN.multiply(BigDecimal.valueOf(12)).add(OUT.multiply(BigDecimal.valueOf(5)));

  /** A client API, as a test writes its requests and reads its refusals. */
  enum Api {
    CHAT("/v1/chat/completions") {
      @Override
      String body(boolean stream) {
        return "{\"model\":\"g\",\"max_tokens\":5,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]"
            + (stream ? ",\"stream\":true}" : "}");
      }

      @Override
      String errorType(JsonNode body) {
        return body.path("error").path("type").asText();
      }
    },
    MESSAGES("/v1/messages") {
      @Override
      String body(boolean stream) {
        return "{\"model\":\"g\",\"max_tokens\":5,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]"
            + (stream ? ",\"stream\":true}" : "}");
      }

      @Override
      String errorType(JsonNode body) {
        return body.path("error").path("type").asText();
      }
    },
    RESPONSES("/v1/responses") {
      @Override
      String body(boolean stream) {
        return "{\"model\":\"g\",\"max_output_tokens\":5,\"input\":\"hello there\""
            + (stream ? ",\"stream\":true}" : "}");
      }

      @Override
      String errorType(JsonNode body) {
        return body.path("error").path("type").asText();
      }
    };

    final String path;

    Api(String path) {
      this.path = path;
    }

    abstract String body(boolean stream);

    abstract String errorType(JsonNode body);
  }

  static FakeOpenAi upstream;
  static TestGateway gw;

  @BeforeAll
  static void start() {
    upstream = new FakeOpenAi();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: g
                litellm_params: {model: openai/acme-1, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
            """
                .formatted(upstream.apiBase()));
  }

  @AfterAll
  static void stop() {
    gw.close();
    upstream.close();
  }

  @BeforeEach
  void reset() {
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
  }

  @Test
  void aBudget_admitsTheSameRequests_andChargesTheSame_onEveryApi() throws Exception {
    Map<Api, List<Integer>> statuses = new EnumMap<>(Api.class);
    for (Api api : Api.values()) {
      // Room for two or three requests, not five.
      String key = newKey("{\"max_budget\": 0.0002}");
      List<Integer> seen = new ArrayList<>();
      BigDecimal spent = BigDecimal.ZERO;
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = send(api, key, api.body(i % 2 == 1));
        seen.add(r.statusCode());
        if (r.statusCode() == 200) {
          spent = spent.add(COST);
          awaitKeySpend(key, spent);
        } else {
          assertThat(r.statusCode()).as(api + ": " + r.body()).isEqualTo(429);
          JsonNode body = Json.MAPPER.readTree(r.body());
          assertThat(api.errorType(body))
              .isEqualTo(api == Api.MESSAGES ? "rate_limit_error" : "budget_exceeded");
          assertThat(r.body()).contains("max_budget").contains("0.0002");
          // LiteLLM's sentence, which clients match on, in every dialect's error shape.
          assertThat(body.path("error").path("message").asText())
              .as(api.name())
              .startsWith("Budget has been exceeded! Current cost: ");
          assertThat(r.headers().firstValue("x-should-retry")).contains("false");
        }
      }
      statuses.put(api, seen);
      long served = seen.stream().filter(st -> st == 200).count();
      assertThat(keySpend(key))
          .as(api.name())
          .isEqualByComparingTo(COST.multiply(BigDecimal.valueOf(served)));
    }
    assertThat(statuses.get(Api.CHAT)).startsWith(200, 200).endsWith(429, 429);
    assertThat(statuses).allSatisfy((api, s) -> assertThat(s).isEqualTo(statuses.get(Api.CHAT)));
  }

  @Test
  void aRateLimit_refusesTheSame_withRetryAfter_onEveryApi() throws Exception {
    for (Api api : Api.values()) {
      String key = newKey("{\"rpm_limit\": 1}");
      assertThat(send(api, key, api.body(false)).statusCode()).isEqualTo(200);
      HttpResponse<String> r = send(api, key, api.body(false));
      assertThat(r.statusCode()).as(api + ": " + r.body()).isEqualTo(429);
      assertThat(api.errorType(Json.MAPPER.readTree(r.body())))
          .isEqualTo(api == Api.MESSAGES ? "rate_limit_error" : "rate_limit_exceeded");
      assertThat(r.headers().firstValue("retry-after")).as(api.name()).isPresent();
      assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).contains("0");
    }
  }

  @Test
  void theGatewaysHeaders_areTheSame_onEveryApi() throws Exception {
    Map<Api, TreeSet<String>> names = new EnumMap<>(Api.class);
    for (Api api : Api.values()) {
      String key = newKey("{\"max_budget\": 10, \"rpm_limit\": 1000, \"tpm_limit\": 100000}");
      HttpResponse<String> r = send(api, key, api.body(false));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      TreeSet<String> ours = new TreeSet<>();
      r.headers()
          .map()
          .keySet()
          .forEach(
              h -> {
                if (h.startsWith("x-litellm-")
                    || h.startsWith("x-ratelimit-")
                    || h.startsWith("x-tollgate-")) {
                  ours.add(h);
                }
              });
      names.put(api, ours);
      assertThat(r.headers().firstValue("x-tollgate-response-cost"))
          .as(api.name())
          .hasValueSatisfying(v -> assertThat(new BigDecimal(v)).isEqualByComparingTo(COST));
      assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("priced");
    }
    assertThat(names.get(Api.CHAT))
        .contains("x-litellm-key-spend", "x-ratelimit-remaining-requests");
    assertThat(names).allSatisfy((api, n) -> assertThat(n).isEqualTo(names.get(Api.CHAT)));
  }

  @Test
  void spendRecords_areTheSame_streamedOrNot_onEveryApi() throws Exception {
    for (Api api : Api.values()) {
      String key = newKey("{}");
      assertThat(send(api, key, api.body(false)).statusCode()).isEqualTo(200);
      HttpResponse<String> streamed = send(api, key, api.body(true));
      assertThat(streamed.statusCode()).isEqualTo(200);
      assertThat(streamed.headers().firstValue("content-type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
      JsonNode logs = awaitLogs(key, 2);
      for (JsonNode row : logs.path("data")) {
        assertThat(row.path("spend").decimalValue()).as(api + " " + row).isEqualByComparingTo(COST);
        assertThat(row.path("prompt_tokens").asLong()).isEqualTo(12);
        assertThat(row.path("completion_tokens").asLong()).isEqualTo(5);
        assertThat(row.path("model_group").asText()).isEqualTo("g");
        assertThat(row.path("usage_source").asText()).isEqualTo("provider");
      }
    }
  }

  static HttpResponse<String> send(Api api, String key, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(gw.uri(api.path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (api == Api.MESSAGES) {
      b.header("x-api-key", key).header("anthropic-version", "2023-06-01");
    } else {
      b.header("authorization", "Bearer " + key);
    }
    return gw.send(b.build());
  }

  static String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  static BigDecimal keySpend(String key) throws Exception {
    HttpResponse<String> r = gw.get("/key/info?key=" + key);
    return Json.MAPPER.readTree(r.body()).path("info").path("spend").decimalValue();
  }

  static void awaitKeySpend(String key, BigDecimal expected) throws Exception {
    for (int i = 0; i < 500 && keySpend(key).compareTo(expected) != 0; i++) {
      Thread.sleep(10);
    }
    assertThat(keySpend(key)).isEqualByComparingTo(expected);
  }

  static JsonNode awaitLogs(String key, int count) throws Exception {
    for (int i = 0; ; i++) {
      JsonNode logs =
          Json.MAPPER.readTree(gw.get("/spend/logs/ui?api_key=" + key + "&page_size=1000").body());
      if (logs.path("total").asInt() >= count || i >= 500) {
        assertThat(logs.path("total").asInt()).isEqualTo(count);
        return logs;
      }
      Thread.sleep(20);
    }
  }
}

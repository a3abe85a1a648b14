package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The router under failure: 2,000 requests, half of them streamed, against a group whose three
 * upstreams fail 30% of the time at random (429s, 500s, and streams that die after their first
 * bytes), with retries, cooldowns and a fallback group. Every request is answered, served or with a
 * clear error in OpenAI's shape; no reservation is left open; exactly one spend record is written
 * per request; and the key's spend counter equals the sum of its records, to the nano-USD.
 */
class ChaosIT {
  static final int REQUESTS = 2_000;

  @Test
  void twoThousandRequests_thirtyPercentFailures_everyOneAnswered_theLedgerEqualsTheCounters()
      throws Exception {
    List<FakeOpenAi> upstreams = List.of(new FakeOpenAi(), new FakeOpenAi(), new FakeOpenAi());
    FakeOpenAi spare = new FakeOpenAi();
    SplittableRandom random = new SplittableRandom(20261204);
    for (FakeOpenAi u : upstreams) {
      for (int i = 0; i < 1_500; i++) {
        u.enqueue(script(random));
      }
    }
    StringBuilder yaml = new StringBuilder("model_list:\n");
    for (int i = 0; i < upstreams.size(); i++) {
      yaml.append(deployment("g", "g-" + i, upstreams.get(i)));
    }
    yaml.append(deployment("spare", "spare-1", spare));
    yaml.append(
        """
        router_settings:
          num_retries: 2
          # Cooldowns would send traffic to the spare group; here the failures are to be met by
          # retries. The whole run takes seconds, so a per-minute allowance of a few hundred
          # failures (about 200 per deployment come) would cool the group down near the end, and
          # the count of upstream calls would then depend on the host's speed.
          allowed_fails: 100000
          allowed_fails_policy: {RateLimitErrorAllowedFails: 100000}
          cooldown_time: 1
          fallbacks: [{"g": ["spare"]}]
        """);
    List<SpendRecord> records = new CopyOnWriteArrayList<>();
    try (TestGateway gw = TestGateway.start(yaml.toString())) {
      gw.gateway().onSpend(records::add);
      HttpResponse<String> k = gw.post("/key/generate", "{\"max_budget\": 1000}");
      String key = Json.MAPPER.readTree(k.body()).path("key").asText();

      Semaphore inFlight = new Semaphore(24);
      Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
      List<CompletableFuture<Void>> all = new ArrayList<>();
      List<String> malformed = new CopyOnWriteArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        boolean stream = i % 2 == 1;
        inFlight.acquire();
        all.add(
            gw.http()
                .sendAsync(request(gw, key, stream), HttpResponse.BodyHandlers.ofString())
                .thenAccept(
                    r -> {
                      statuses
                          .computeIfAbsent(r.statusCode(), s -> new AtomicInteger())
                          .incrementAndGet();
                      if (!answered(r, stream)) {
                        malformed.add(r.statusCode() + " " + r.body());
                      }
                    })
                .whenComplete((v, e) -> inFlight.release()));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);

      assertThat(malformed).as("every answer served or a clear error").isEmpty();
      assertThat(statuses.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(REQUESTS);
      assertThat(statuses.getOrDefault(200, new AtomicInteger()).get())
          .as("%s", statuses)
          .isGreaterThan(REQUESTS * 9 / 10);
      int failures = 0;
      for (FakeOpenAi u : upstreams) {
        failures += u.received().size();
      }
      assertThat(failures).as("upstream calls, retries included").isGreaterThan(REQUESTS);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while ((records.size() < REQUESTS || gw.gateway().enforcer().openReservations() != 0)
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(records).as("one record per request").hasSize(REQUESTS);
      assertThat(records.stream().map(SpendRecord::requestId).distinct().count())
          .isEqualTo(REQUESTS);
      assertThat(gw.gateway().enforcer().openReservations()).isZero();
      long ledger = 0;
      for (SpendRecord r : records) {
        assertThat(r.costNanos()).as("every deployment is priced").isPresent();
        ledger += r.costNanos().getAsLong();
      }
      BigDecimal expected = BigDecimal.valueOf(ledger, 9);
      BigDecimal counter = BigDecimal.ZERO;
      for (int i = 0; i < 500; i++) {
        JsonNode info = Json.MAPPER.readTree(gw.get("/key/info?key=" + key).body());
        counter = info.path("info").path("spend").decimalValue();
        if (counter.compareTo(expected) == 0) {
          break;
        }
        Thread.sleep(20);
      }
      assertThat(counter).as("the key's counter equals its ledger").isEqualByComparingTo(expected);
    } finally {
      upstreams.forEach(FakeOpenAi::close);
      spare.close();
    }
  }

  /** 70% served; else a 429, a 500, or a stream that dies after its first bytes. */
  static FakeOpenAi.Script script(SplittableRandom random) {
    int roll = random.nextInt(100);
    if (roll < 70) {
      return new FakeOpenAi.Normal(12, 5, 0);
    }
    if (roll < 80) {
      return error(429);
    }
    if (roll < 90) {
      return error(500);
    }
    return new FakeOpenAi.DieMidStream();
  }

  static FakeOpenAi.Error error(int status) {
    return new FakeOpenAi.Error(
        status,
        "application/json",
        "{\"error\":{\"message\":\"chaos " + status + "\",\"type\":\"x\",\"code\":null}}",
        Map.of("retry-after-ms", "1"));
  }

  static String deployment(String group, String id, FakeOpenAi upstream) {
    return """
          - model_name: %s
            litellm_params: {model: openai/gpt-x, api_base: %s,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
            model_info: {id: %s}
        """
        .formatted(group, upstream.apiBase(), id);
  }

  static HttpRequest request(TestGateway gw, String key, boolean stream) {
    String body =
        "{\"model\":\"g\","
            + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    return HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /**
   * Served (a whole completion, or a stream that ended with {@code [DONE]} or with an error event
   * after its first bytes), or an error in OpenAI's shape.
   */
  static boolean answered(HttpResponse<String> r, boolean stream) {
    try {
      if (r.statusCode() == 200) {
        if (!stream) {
          return Json.MAPPER.readTree(r.body()).path("choices").isArray();
        }
        return r.body().endsWith("data: [DONE]\n\n") || r.body().contains("\"error\"");
      }
      JsonNode err = Json.MAPPER.readTree(r.body()).path("error");
      return err.path("message").isTextual() && err.path("type").isTextual();
    } catch (java.io.IOException e) {
      return false;
    }
  }
}

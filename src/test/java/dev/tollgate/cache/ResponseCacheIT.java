package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestRedis;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * LiteLLM's response cache through the real gateway, against a fake OpenAI upstream that counts the
 * calls it gets: hits are answered without it, at no cost, with what they saved recorded; per
 * request controls, streams, the admin routes, and both stores (this process and Redis).
 */
class ResponseCacheIT {
  enum Store {
    LOCAL,
    REDIS
  }

  // Started before all tests.
  @SuppressWarnings("NullAway.Init")
  static TestRedis redis;

  final FakeOpenAi upstream = new FakeOpenAi();
  final MutableClock clock = new MutableClock(Instant.now());
  final List<SpendRecord> records = new CopyOnWriteArrayList<>();

  // Started by each test, before any use.
  @SuppressWarnings("NullAway.Init")
  TestGateway gw;

  @BeforeAll
  static void startRedis() {
    redis = TestRedis.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
    upstream.close();
  }

  /** 12 prompt tokens at $0.000002 and 5 completion tokens at $0.00001: what the fake answers. */
  static final long CALL_NANOS = 12 * 2_000 + 5 * 10_000;

  static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";

  void start(Store store, @Nullable String cacheParams) throws Exception {
    String redisSettings = "";
    if (store == Store.REDIS) {
      redis.flushAll();
      URI u = URI.create(redis.url());
      redisSettings = "\n  redis_host: %s\n  redis_port: %d".formatted(u.getHost(), u.getPort());
    }
    String cache =
        cacheParams == null
            ? ""
            : "litellm_settings:\n  cache: true\n  cache_params: {type: "
                + store.name().toLowerCase(java.util.Locale.ROOT)
                + (cacheParams.isEmpty() ? "" : ", " + cacheParams)
                + "}\n";
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: priced
                litellm_params: {model: openai/gpt-4o-mini, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
              - model_name: mystery
                litellm_params: {model: hosted_vllm/house-model-7, api_base: %1$s}
            router_settings:
              num_retries: 0%2$s
            %3$s"""
                .formatted(upstream.apiBase(), redisSettings, cache),
            Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY),
            Files.createTempDirectory("tollgate-cache-it"),
            clock);
    gw.gateway().onSpend(records::add);
  }

  String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  HttpResponse<String> chat(String key, String extra, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"priced\"" + extra + "," + MESSAGES + "}"));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return gw.send(b.build());
  }

  static String cacheHeader(HttpResponse<?> r) {
    return r.headers().firstValue("x-tollgate-cache").orElse("absent");
  }

  static String cacheKey(HttpResponse<?> r) {
    return r.headers().firstValue("x-litellm-cache-key").orElseThrow();
  }

  /** The spend records of the first {@code n} requests, once they are all recorded. */
  List<SpendRecord> awaitRecords(int n) throws InterruptedException {
    for (int i = 0; i < 1000 && records.size() < n; i++) {
      Thread.sleep(10);
    }
    assertThat(records).hasSizeGreaterThanOrEqualTo(n);
    return records;
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void missThenHit_upstreamCalledOnce_hitCostsNothingAndRecordsWhatItSaved(Store store)
      throws Exception {
    start(store, "ttl: 60");
    String key = newKey("{}");

    HttpResponse<String> miss = chat(key, "");
    HttpResponse<String> hit = chat(key, "");

    assertThat(miss.statusCode()).as(miss.body()).isEqualTo(200);
    assertThat(hit.statusCode()).as(hit.body()).isEqualTo(200);
    assertThat(cacheHeader(miss)).isEqualTo("miss");
    assertThat(cacheHeader(hit)).isEqualTo("hit");
    assertThat(cacheKey(hit)).isEqualTo(cacheKey(miss)).matches("[0-9a-f]{64}");
    assertThat(hit.body()).isEqualTo(miss.body());
    assertThat(upstream.received()).hasSize(1);
    assertThat(hit.headers().firstValue("x-litellm-response-cost")).contains("0");
    assertThat(miss.headers().firstValue("x-litellm-response-cost")).contains("0.000074");

    List<SpendRecord> rs = awaitRecords(2);
    SpendRecord first = rs.get(0);
    SpendRecord second = rs.get(1);
    assertThat(first.cacheHit()).isEmpty();
    assertThat(first.costNanos()).hasValue(CALL_NANOS);
    assertThat(second.cacheHit()).contains(new SpendRecord.CacheHit(OptionalLong.of(CALL_NANOS)));
    assertThat(second.costNanos()).hasValue(0);
    assertThat(second.status()).isEqualTo(200);

    if (store == Store.REDIS) {
      Object pttl = redis.command("PTTL", "tollgate:cache:" + cacheKey(miss));
      assertThat(((Number) java.util.Objects.requireNonNull(pttl)).longValue())
          .isBetween(1L, 60_000L);
    }

    // Stored, and reported: the key was charged for one call, and the savings are shown.
    assertThat(gw.gateway().database().spendLog().awaitPersisted(Duration.ofSeconds(10))).isTrue();
    JsonNode logs = Json.MAPPER.readTree(gw.get("/spend/logs?key_hash=" + first.keyHash()).body());
    Map<String, JsonNode> byId = new HashMap<>();
    logs.forEach(row -> byId.put(row.path("request_id").asText(), row));
    JsonNode hitRow = java.util.Objects.requireNonNull(byId.get(second.requestId()));
    assertThat(hitRow.path("cache_hit").asBoolean()).isTrue();
    assertThat(hitRow.path("saved_usd").decimalValue()).isEqualByComparingTo("0.000074");
    assertThat(hitRow.path("spend").decimalValue()).isEqualByComparingTo("0");
    assertThat(
            java.util.Objects.requireNonNull(byId.get(first.requestId()))
                .path("cache_hit")
                .asBoolean())
        .isFalse();
    String day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toString();
    JsonNode report =
        Json.MAPPER.readTree(
            gw.get(
                    "/global/spend/report?start_date="
                        + day
                        + "&end_date="
                        + day
                        + "&group_by=model")
                .body());
    JsonNode group = report.path("data").get(0);
    assertThat(group.path("requests").asLong()).isEqualTo(2);
    assertThat(group.path("spend").decimalValue()).isEqualByComparingTo("0.000074");
    assertThat(group.path("cache_hits").asLong()).isEqualTo(1);
    assertThat(group.path("saved_usd").decimalValue()).isEqualByComparingTo("0.000074");
  }

  @Test
  void hitAtAnUnknownPrice_recordedLikeAnyUnpricedRequestThatUsedNothing() throws Exception {
    start(Store.LOCAL, "");
    String key = newKey("{}");
    HttpRequest.Builder b =
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key);
    String body = "{\"model\":\"mystery\"," + MESSAGES + "}";

    gw.send(b.copy().POST(HttpRequest.BodyPublishers.ofString(body)).build());
    HttpResponse<String> hit =
        gw.send(b.copy().POST(HttpRequest.BodyPublishers.ofString(body)).build());

    assertThat(cacheHeader(hit)).isEqualTo("hit");
    assertThat(hit.headers().firstValue("x-litellm-response-cost")).isEmpty();
    SpendRecord r = awaitRecords(2).get(1);
    assertThat(r.cacheHit()).contains(new SpendRecord.CacheHit(OptionalLong.empty()));
    assertThat(r.costNanos()).isEmpty();
    assertThat(gw.gateway().database().spendLog().awaitPersisted(Duration.ofSeconds(10))).isTrue();
    JsonNode rows = Json.MAPPER.readTree(gw.get("/spend/logs?request_id=" + r.requestId()).body());
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).path("cache_hit").asBoolean()).isTrue();
    assertThat(rows.get(0).get("saved_usd").isNull()).isTrue();
  }

  @Test
  void twoKeys_shareOneAnswer() throws Exception {
    start(Store.LOCAL, "");
    HttpResponse<String> a = chat(newKey("{}"), "");
    HttpResponse<String> b = chat(newKey("{}"), "");

    assertThat(cacheHeader(a)).isEqualTo("miss");
    assertThat(cacheHeader(b)).isEqualTo("hit");
    assertThat(cacheKey(b)).isEqualTo(cacheKey(a));
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void perKey_keysDoNotShare_butEachHitsItsOwn() throws Exception {
    start(Store.LOCAL, "per_key: true");
    String k1 = newKey("{}");
    String k2 = newKey("{}");

    HttpResponse<String> a = chat(k1, "");
    HttpResponse<String> b = chat(k2, "");
    HttpResponse<String> again = chat(k1, "");

    assertThat(cacheHeader(a)).isEqualTo("miss");
    assertThat(cacheHeader(b)).isEqualTo("miss");
    assertThat(cacheKey(b)).isNotEqualTo(cacheKey(a));
    assertThat(cacheHeader(again)).isEqualTo("hit");
    assertThat(upstream.received()).hasSize(2);
  }

  @Test
  void noCache_goesUpstream_keepsTheFreshAnswer_andTheCacheFieldIsNeverForwarded()
      throws Exception {
    start(Store.LOCAL, "");
    String key = newKey("{}");
    chat(key, "");

    HttpResponse<String> fresh = chat(key, ",\"cache\":{\"no-cache\":true}");
    HttpResponse<String> byHeader = chat(key, "", "Cache-Control", "no-cache");
    HttpResponse<String> after = chat(key, "");

    assertThat(cacheHeader(fresh)).isEqualTo("miss");
    assertThat(cacheHeader(byHeader)).isEqualTo("miss");
    assertThat(cacheHeader(after)).isEqualTo("hit");
    assertThat(upstream.received()).hasSize(3);
    assertThat(upstream.received()).allSatisfy(r -> assertThat(r.body()).doesNotContain("cache"));
  }

  @Test
  void noStore_answerNotKept() throws Exception {
    start(Store.LOCAL, "");
    String key = newKey("{}");

    HttpResponse<String> first = chat(key, ",\"cache\":{\"no-store\":true}");
    HttpResponse<String> second = chat(key, "", "Cache-Control", "no-store");
    HttpResponse<String> third = chat(key, "");
    HttpResponse<String> fourth = chat(key, "");

    assertThat(List.of(first, second, third).stream().map(ResponseCacheIT::cacheHeader))
        .containsOnly("miss");
    assertThat(cacheHeader(fourth)).isEqualTo("hit");
    assertThat(upstream.received()).hasSize(3);
  }

  @Test
  void ttl_requestsOwnTtl_expiresOnTheClock() throws Exception {
    start(Store.LOCAL, "ttl: 600");
    String key = newKey("{}");
    chat(key, ",\"cache\":{\"ttl\":60}");

    clock.advance(Duration.ofSeconds(59));
    assertThat(cacheHeader(chat(key, ""))).isEqualTo("hit");
    clock.advance(Duration.ofSeconds(2));
    assertThat(cacheHeader(chat(key, ""))).isEqualTo("miss");
    assertThat(upstream.received()).hasSize(2);
  }

  @Test
  void sMaxAge_olderAnswer_isAMiss() throws Exception {
    start(Store.LOCAL, "");
    String key = newKey("{}");
    chat(key, "");
    clock.advance(Duration.ofSeconds(10));

    assertThat(cacheHeader(chat(key, ",\"cache\":{\"s-maxage\":20}"))).isEqualTo("hit");
    assertThat(cacheHeader(chat(key, ",\"cache\":{\"s-maxage\":5}"))).isEqualTo("miss");
    clock.advance(Duration.ofSeconds(10));
    assertThat(cacheHeader(chat(key, "", "Cache-Control", "max-age=5"))).isEqualTo("miss");
    assertThat(upstream.received()).hasSize(3);
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void stream_missThenHit_replaysTheSameChunks(Store store) throws Exception {
    start(store, "");
    String key = newKey("{}");
    HttpRequest req =
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"priced\",\"stream\":true," + MESSAGES + "}"))
            .build();

    HttpResponse<byte[]> miss = gw.sendBytes(req);
    HttpResponse<byte[]> hit = gw.sendBytes(req);

    assertThat(cacheHeader(miss)).isEqualTo("miss");
    assertThat(cacheHeader(hit)).isEqualTo("hit");
    assertThat(hit.headers().firstValue("content-type"))
        .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
    assertThat(new String(hit.body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(new String(miss.body(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("\"Hello\"")
        .endsWith("data: [DONE]\n\n");
    // A JSON answer is kept apart from the stream: a miss, under the same cache key.
    HttpResponse<String> json = chat(key, "");
    assertThat(cacheHeader(json)).isEqualTo("miss");
    assertThat(cacheKey(json)).isEqualTo(cacheKey(hit));

    OpenAIClient client =
        OpenAIOkHttpClient.builder().baseUrl(gw.uri("/v1").toString()).apiKey(key).build();
    StringBuilder text = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> s =
        client
            .chat()
            .completions()
            .createStreaming(
                ChatCompletionCreateParams.builder().model("priced").addUserMessage("x").build())) {
      s.stream()
          .forEach(ch -> ch.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
    } finally {
      client.close();
    }
    assertThat(text.toString()).isEqualTo("Hello there");
    assertThat(upstream.received()).hasSize(2);
    List<SpendRecord> rs = awaitRecords(4);
    assertThat(rs.stream().filter(r -> r.cacheHit().isPresent()).count()).isEqualTo(2);
    assertThat(rs.get(1).cacheHit())
        .contains(new SpendRecord.CacheHit(OptionalLong.of(CALL_NANOS)));
    assertThat(rs.get(1).stream()).isTrue();
  }

  @Test
  void defaultOff_onlyRequestsThatAskUseTheCache() throws Exception {
    start(Store.LOCAL, "mode: default_off");
    String key = newKey("{}");

    HttpResponse<String> plain1 = chat(key, "");
    HttpResponse<String> plain2 = chat(key, "");
    HttpResponse<String> asks1 = chat(key, ",\"cache\":{\"use-cache\":true}");
    HttpResponse<String> asks2 = chat(key, ",\"cache\":{\"use-cache\":true}");

    assertThat(cacheHeader(plain1)).isEqualTo("absent");
    assertThat(cacheHeader(plain2)).isEqualTo("absent");
    assertThat(cacheHeader(asks1)).isEqualTo("miss");
    assertThat(cacheHeader(asks2)).isEqualTo("hit");
    assertThat(upstream.received()).hasSize(3);
  }

  @Test
  void spentBudget_refusedBeforeTheCache_asLiteLlmDoes() throws Exception {
    start(Store.LOCAL, "");
    chat(newKey("{}"), "");
    String spent = newKey("{\"max_budget\": 0}");

    HttpResponse<String> r = chat(spent, "");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    assertThat(Json.MAPPER.readTree(r.body()).path("error").path("type").asText())
        .isEqualTo("budget_exceeded");
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void hits_countAgainstTheKeysRpmLimit() throws Exception {
    start(Store.LOCAL, "");
    String key = newKey("{\"rpm_limit\": 2}");

    HttpResponse<String> miss = chat(key, "");
    HttpResponse<String> hit = chat(key, "");
    HttpResponse<String> third = chat(key, "");

    assertThat(cacheHeader(miss)).isEqualTo("miss");
    assertThat(cacheHeader(hit)).isEqualTo("hit");
    assertThat(third.statusCode()).as(third.body()).isEqualTo(429);
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void badCacheField_400NamingIt() throws Exception {
    start(Store.LOCAL, "");
    HttpResponse<String> r = chat(newKey("{}"), ",\"cache\":{\"ttl\":\"soon\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(r.body()).path("error").path("param").asText())
        .isEqualTo("cache");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void cacheOff_noHeaders_andTheCacheFieldIsStillNotForwarded() throws Exception {
    start(Store.LOCAL, null);
    String key = newKey("{}");
    HttpResponse<String> a = chat(key, ",\"cache\":{\"no-cache\":true}");
    HttpResponse<String> b = chat(key, "");

    assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
    assertThat(cacheHeader(a)).isEqualTo("absent");
    assertThat(cacheHeader(b)).isEqualTo("absent");
    assertThat(upstream.received()).hasSize(2);
    assertThat(upstream.received().get(0).body()).doesNotContain("cache");
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void pingAndDelete_adminOnly_deletedAnswerIsAMiss(Store store) throws Exception {
    start(store, "namespace: team-a");
    String key = newKey("{}");
    HttpResponse<String> first = chat(key, "");
    assertThat(cacheKey(first)).startsWith("team-a:");

    HttpResponse<String> ping = gw.get("/cache/ping");
    assertThat(ping.statusCode()).as(ping.body()).isEqualTo(200);
    JsonNode p = Json.MAPPER.readTree(ping.body());
    assertThat(p.path("status").asText()).isEqualTo("healthy");
    assertThat(p.path("cache_type").asText())
        .isEqualTo(store.name().toLowerCase(java.util.Locale.ROOT));
    assertThat(p.path("litellm_cache_params").path("namespace").asText()).isEqualTo("team-a");
    assertThat(p.has("ping_response")).isEqualTo(store == Store.REDIS);

    HttpResponse<String> refused =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/cache/delete"))
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"keys\":[]}"))
                .build());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(gw.post("/cache/delete", "{\"keys\": \"one\"}").statusCode()).isEqualTo(400);
    assertThat(cacheHeader(chat(key, ""))).isEqualTo("hit");

    HttpResponse<String> deleted =
        gw.post("/cache/delete", "{\"keys\": [\"" + cacheKey(first) + "\"]}");
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(deleted.body()).path("status").asText()).isEqualTo("success");
    assertThat(cacheHeader(chat(key, ""))).isEqualTo("miss");
    assertThat(upstream.received()).hasSize(2);
  }
}

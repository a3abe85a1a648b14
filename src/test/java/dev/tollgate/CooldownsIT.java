package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.TestRedis;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cooldowns over real HTTP, on a clock the test moves: {@code allowed_fails} within a minute, a 429
 * at once, the only deployment of a group never, the 503 that names a group whose every deployment
 * is cooling, the end of a cooldown, and a cooldown one instance starts reaching another through
 * Redis.
 */
class CooldownsIT {
  FakeOpenAi first;
  FakeOpenAi second;
  final List<TestGateway> gws = new ArrayList<>();
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));

  @BeforeEach
  void upstreams() {
    first = new FakeOpenAi();
    second = new FakeOpenAi();
  }

  @AfterEach
  void stop() {
    gws.forEach(TestGateway::close);
    first.close();
    second.close();
  }

  static FakeOpenAi.Error error(int status) {
    return new FakeOpenAi.Error(
        status,
        "application/json",
        "{\"error\":{\"message\":\"status " + status + "\",\"type\":\"x\",\"code\":null}}",
        Map.of("retry-after-ms", "1"));
  }

  /** Group g: deployment a on {@link #first}, chosen first by weight, and b on {@link #second}. */
  String config(String router) {
    return """
        model_list:
          - model_name: g
            litellm_params: {model: openai/gpt-x, api_base: %s, weight: 1000000,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
            model_info: {id: a}
          - model_name: g
            litellm_params: {model: openai/gpt-x, api_base: %s,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
            model_info: {id: b}
          - model_name: solo
            litellm_params: {model: openai/gpt-x, api_base: %1$s,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
            model_info: {id: s}
        router_settings:
          num_retries: 1
        %s
        """
        .formatted(first.apiBase(), second.apiBase(), router);
  }

  TestGateway start(String yaml) throws Exception {
    TestGateway g =
        TestGateway.start(
            yaml,
            Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY),
            Files.createTempDirectory("tollgate-cooldowns"),
            clock);
    gws.add(g);
    return g;
  }

  static HttpResponse<String> send(TestGateway gw, String model) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"))
            .build());
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  static void served(HttpResponse<String> r, String by) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-litellm-model-id")).contains(by);
  }

  @Test
  void allowedFailsExceeded_coolsDown_thenBackWhenTheTimeIsUp() throws Exception {
    TestGateway gw = start(config("  allowed_fails: 1\n  cooldown_time: 30\n"));
    first.fallback(error(500));

    served(send(gw, "g"), "b");
    assertThat(gw.gateway().routing().cooling("a")).as("one failure is allowed").isFalse();
    served(send(gw, "g"), "b");
    assertThat(gw.gateway().routing().cooling("a")).isTrue();
    assertThat(first.received()).hasSize(2);

    for (int i = 0; i < 5; i++) {
      served(send(gw, "g"), "b");
    }
    assertThat(first.received()).as("passed over while cooling").hasSize(2);

    clock.advance(Duration.ofSeconds(31));
    first.fallback(new FakeOpenAi.Normal(12, 5, 0));
    served(send(gw, "g"), "a");
    assertThat(first.received()).hasSize(3);
  }

  @Test
  void failuresInDifferentMinutes_doNotAddUp() throws Exception {
    TestGateway gw = start(config("  allowed_fails: 1\n"));
    first.fallback(error(500));
    served(send(gw, "g"), "b");
    clock.advance(Duration.ofSeconds(61));
    served(send(gw, "g"), "b");
    assertThat(gw.gateway().routing().cooling("a")).isFalse();
  }

  @Test
  void a429_coolsDownAtOnce() throws Exception {
    TestGateway gw = start(config(""));
    first.enqueue(error(429));

    served(send(gw, "g"), "b");

    assertThat(gw.gateway().routing().cooling("a")).isTrue();
    served(send(gw, "g"), "b");
    assertThat(first.received()).hasSize(1);
  }

  @Test
  void badRequests_neverCoolDown() throws Exception {
    TestGateway gw = start(config("  allowed_fails: 0\n"));
    first.fallback(error(400));
    for (int i = 0; i < 3; i++) {
      assertThat(send(gw, "g").statusCode()).isEqualTo(400);
    }
    assertThat(gw.gateway().routing().cooling("a")).isFalse();
  }

  @Test
  void theOnlyDeploymentOfAGroup_isNeverCooledDown() throws Exception {
    TestGateway gw = start(config(""));
    first.fallback(error(429));
    for (int i = 0; i < 3; i++) {
      assertThat(send(gw, "solo").statusCode()).isEqualTo(429);
    }
    assertThat(gw.gateway().routing().cooling("s")).isFalse();
    assertThat(first.received()).as("each try reached it").hasSize(6);
  }

  @Test
  void everyDeploymentCooling_503NamingTheGroup_withRetryAfter_andNoUpstreamCall()
      throws Exception {
    TestGateway gw = start(config("  cooldown_time: 20\n"));
    first.enqueue(error(429));
    second.enqueue(error(429));
    assertThat(send(gw, "g").statusCode()).isEqualTo(429);

    HttpResponse<String> r = send(gw, "g");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("'g'").contains("cooling down");
    assertThat(r.headers().firstValue("retry-after")).contains("20");
    assertThat(first.received()).hasSize(1);
    assertThat(second.received()).hasSize(1);

    clock.advance(Duration.ofSeconds(21));
    served(send(gw, "g"), "a");
  }

  @Test
  void disableCooldowns_neverCools() throws Exception {
    TestGateway gw = start(config("  disable_cooldowns: true\n"));
    first.enqueue(error(429));
    served(send(gw, "g"), "b");
    assertThat(gw.gateway().routing().cooling("a")).isFalse();
    served(send(gw, "g"), "a");
  }

  @Test
  void twoInstancesWithRedis_aCooldownOneStarts_theOtherHonours() throws Exception {
    try (TestRedis redis = TestRedis.start()) {
      URI u = URI.create(redis.url());
      String yaml =
          config("  redis_host: " + u.getHost() + "\n  redis_port: " + u.getPort() + "\n");
      Map<String, String> env =
          Map.of(
              "TOLLGATE_MASTER_KEY",
              TestGateway.MASTER_KEY,
              "DATABASE_URL",
              TestPostgres.freshDatabase());
      TestGateway one =
          TestGateway.start(yaml, env, Files.createTempDirectory("tollgate-cd1"), clock);
      gws.add(one);
      TestGateway two =
          TestGateway.start(yaml, env, Files.createTempDirectory("tollgate-cd2"), clock);
      gws.add(two);
      first.enqueue(error(429));

      served(send(one, "g"), "b");

      await(() -> two.gateway().routing().cooling("a"), "the cooldown reached the other instance");
      served(send(two, "g"), "b");
      assertThat(first.received()).as("the other instance passed it over").hasSize(1);

      // An instance that starts later reads the cooldowns in force.
      TestGateway three =
          TestGateway.start(yaml, env, Files.createTempDirectory("tollgate-cd3"), clock);
      gws.add(three);
      await(() -> three.gateway().routing().cooling("a"), "a later instance reads it");
    }
  }
}

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code usage-based-routing-v2} across two instances that share a Redis: what one instance used on
 * a deployment this minute reaches the other, which then routes to the less used deployment.
 */
class UsageRoutingIT {
  final FakeOpenAi a = new FakeOpenAi();
  final FakeOpenAi b = new FakeOpenAi();
  final List<TestGateway> gws = new ArrayList<>();
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:10Z"));

  @AfterEach
  void stop() {
    gws.forEach(TestGateway::close);
    a.close();
    b.close();
  }

  static HttpResponse<String> send(TestGateway gw) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
            .build());
  }

  static String servedBy(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.headers().firstValue("x-litellm-model-id").orElseThrow();
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void whatOneInstanceUsed_theOtherRoutesAround() throws Exception {
    try (TestRedis redis = TestRedis.start()) {
      URI u = URI.create(redis.url());
      String yaml =
          """
          model_list:
            - model_name: g
              litellm_params: {model: openai/gpt-x, api_base: %s, tpm: 1000}
              model_info: {id: a}
            - model_name: g
              litellm_params: {model: openai/gpt-x, api_base: %s, tpm: 1000}
              model_info: {id: b}
          router_settings:
            routing_strategy: usage-based-routing-v2
            redis_host: %s
            redis_port: %d
          """
              .formatted(a.apiBase(), b.apiBase(), u.getHost(), u.getPort());
      Map<String, String> env =
          Map.of(
              "TOLLGATE_MASTER_KEY",
              TestGateway.MASTER_KEY,
              "DATABASE_URL",
              TestPostgres.freshDatabase());
      TestGateway one =
          TestGateway.start(yaml, env, Files.createTempDirectory("tollgate-usage1"), clock);
      gws.add(one);
      TestGateway two =
          TestGateway.start(yaml, env, Files.createTempDirectory("tollgate-usage2"), clock);
      gws.add(two);

      for (int round = 0; round < 3; round++) {
        String first = servedBy(send(one));
        String other = first.equals("a") ? "b" : "a";
        // The fake's answers use 12 + 5 tokens.
        long before = two.gateway().routing().tokensThisMinute(first);
        await(
            () -> two.gateway().routing().tokensThisMinute(first) > before,
            "the other instance learns what this one used");
        assertThat(two.gateway().routing().tokensThisMinute(first))
            .isGreaterThan(two.gateway().routing().tokensThisMinute(other));
        assertThat(servedBy(send(two))).as("round %d", round).isEqualTo(other);
        await(
            () ->
                one.gateway().routing().tokensThisMinute(other)
                    == one.gateway().routing().tokensThisMinute(first),
            "both deployments used alike again");
      }
    }
  }
}

package dev.tollgate.provider.vertex;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.UpstreamCall;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import dev.tollgate.proxy.ParsedRequests;
import dev.tollgate.testing.FakeGemini;
import dev.tollgate.testing.MutableClock;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Vertex AI token cache end to end, over real loopback HTTP: {@link UpstreamCall} driving
 * {@link VertexWire} against {@link FakeGemini} and its token endpoint, on a clock the test moves.
 */
class VertexTokenTest {
  @SuppressWarnings("NullAway.Init")
  private static Vertx vertx;

  @SuppressWarnings("NullAway.Init")
  private static HttpClient client;

  @SuppressWarnings("NullAway.Init")
  private static Context context;

  @SuppressWarnings("NullAway.Init")
  private FakeGemini google;

  @SuppressWarnings("NullAway.Init")
  private MutableClock clock;

  @SuppressWarnings("NullAway.Init")
  private Provider provider;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient();
    context = vertx.getOrCreateContext();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @BeforeEach
  void start() throws Exception {
    clock = new MutableClock(Instant.now());
    google = new FakeGemini().tokenClock(clock);
    CompletableFuture<Provider> p = new CompletableFuture<>();
    context.runOnContext(
        v ->
            p.complete(
                new UpstreamCall(
                    vertx, client, new VertexWire(new VertexAuth(vertx, client, clock), clock))));
    provider = p.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    google.close();
  }

  UpstreamRequest request(String credentials) {
    LitellmParams p =
        new LitellmParams(
            "vertex_ai/gemini-2.5-flash",
            "vertex_ai",
            "gemini-2.5-flash",
            Optional.of(google.apiBase()),
            Optional.empty(),
            Optional.empty(),
            OptionalLong.empty(),
            OptionalLong.empty(),
            OptionalInt.empty(),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Optional.empty(),
            1,
            Map.of(),
            Map.of("vertex_project", "p", "vertex_credentials", credentials));
    return new UpstreamRequest(
        ParsedRequests.parse(
            Endpoint.CHAT,
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
        "vertex-d1",
        p,
        10_000,
        new Cancellation(),
        OptionalLong.empty());
  }

  UpstreamResponse call(UpstreamRequest r) throws Exception {
    CompletableFuture<UpstreamResponse> f = new CompletableFuture<>();
    context.runOnContext(
        v ->
            provider
                .call(r)
                .onComplete(
                    ar -> {
                      if (ar.succeeded()) {
                        f.complete(ar.result());
                      } else {
                        f.completeExceptionally(ar.cause());
                      }
                    }));
    return f.get(10, TimeUnit.SECONDS);
  }

  GatewayException failure(UpstreamRequest r) throws Exception {
    try {
      call(r);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GatewayException g) {
        return g;
      }
      throw e;
    }
    throw new AssertionError("the call succeeded");
  }

  void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void call_tokenNearExpiry_refreshedInTheBackgroundWhileCallsGoOn() throws Exception {
    String sa = google.serviceAccountJson();
    for (int i = 0; i < 5; i++) {
      assertThat(call(request(sa)).status()).isEqualTo(200);
      clock.advance(Duration.ofMinutes(10));
    }
    assertThat(google.tokensIssued()).isEqualTo(1);
    // 50 minutes in; the token lives 3599 s: from 5 minutes before its expiry a new one is
    // fetched while the calls go on with the old one.
    clock.advance(Duration.ofMinutes(6));

    call(request(sa));

    assertThat(google.lastReceived().headers().get("authorization"))
        .isEqualTo("Bearer ya29.fake-1");
    await(() -> google.tokensIssued() == 2);
    // Once the new token's answer has been read, calls carry it.
    for (int i = 0; i < 200; i++) {
      call(request(sa));
      if ("Bearer ya29.fake-2".equals(google.lastReceived().headers().get("authorization"))) {
        break;
      }
      Thread.sleep(5);
    }
    assertThat(google.lastReceived().headers().get("authorization"))
        .isEqualTo("Bearer ya29.fake-2");
    assertThat(google.tokenRequests()).isEqualTo(2);
  }

  @Test
  void call_tokenExpired_waitsForANewOne() throws Exception {
    String sa = google.serviceAccountJson();
    call(request(sa));
    clock.advance(Duration.ofMinutes(61));

    call(request(sa));

    assertThat(google.tokensIssued()).isEqualTo(2);
    assertThat(google.lastReceived().headers().get("authorization"))
        .isEqualTo("Bearer ya29.fake-2");
  }

  @Test
  void call_refusedKey_failsAndIsNotAskedAgainForAWhile() throws Exception {
    String foreign = google.serviceAccountJsonWithForeignKey();

    GatewayException first = failure(request(foreign));

    assertThat(first.status()).isEqualTo(401);
    assertThat(first.getMessage()).contains("vertex-d1").contains("invalid_grant");
    assertThat(failure(request(foreign)).status()).isEqualTo(401);
    assertThat(google.tokenRequests()).as("refused once, then remembered").isEqualTo(1);
    clock.advance(Duration.ofSeconds(6));
    failure(request(foreign));
    assertThat(google.tokenRequests()).isEqualTo(2);
    assertThat(google.received()).isEmpty();
  }
}

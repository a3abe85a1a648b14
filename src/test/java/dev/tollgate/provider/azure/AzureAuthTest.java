package dev.tollgate.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.UpstreamCall;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import dev.tollgate.proxy.ParsedRequests;
import dev.tollgate.testing.FakeAzure;
import dev.tollgate.testing.MutableClock;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Azure AD client credentials end to end, over real loopback HTTP: {@link UpstreamCall} driving
 * {@link AzureWire} against a {@link FakeAzure} resource and its token endpoint. The token cache
 * runs on a clock the test moves, so expiry is tested without waiting for it.
 */
class AzureAuthTest {
  private static final String SECRET = "s3cret-value~with&odd=chars";

  private static Vertx vertx;
  private static HttpClient client;
  private static Context context;

  @SuppressWarnings("NullAway.Init")
  private FakeAzure azure;

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
    azure = new FakeAzure().deployment("gpt-4o-prod").app("tenant-1", "client-1", SECRET);
    clock = new MutableClock(Instant.parse("2025-06-01T00:00:00Z"));
    CompletableFuture<Provider> p = new CompletableFuture<>();
    context.runOnContext(
        v ->
            p.complete(
                new UpstreamCall(vertx, client, new AzureWire(new AzureAuth(client, clock)))));
    provider = p.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    azure.close();
  }

  @Test
  void call_manyCalls_fetchesOneTokenAndSendsItAsBearer() throws Exception {
    for (int i = 0; i < 5; i++) {
      UpstreamResponse r = call(request(credentials())).get(10, TimeUnit.SECONDS);
      assertThat(r.usage()).contains(Usage.tokens(12, 5));
      clock.advance(Duration.ofMinutes(10));
    }

    assertThat(azure.tokensIssued()).isEqualTo(1);
    assertThat(azure.received())
        .hasSize(5)
        .allSatisfy(
            r -> {
              assertThat(r.headers().get("authorization")).isEqualTo("Bearer fake-aad-token-1");
              assertThat(r.headers()).doesNotContainKey("api-key");
            });
    FakeAzure.Received token = azure.tokenRequests().get(0);
    assertThat(token.path()).isEqualTo("/tenant-1/oauth2/v2.0/token");
    assertThat(token.headers().get("content-type")).isEqualTo("application/x-www-form-urlencoded");
  }

  @Test
  void call_concurrentFirstCalls_shareOneFetch() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    azure.holdTokens(release);
    List<CompletableFuture<UpstreamResponse>> calls = new ArrayList<>();
    CompletableFuture<Void> issued = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          for (int i = 0; i < 5; i++) {
            calls.add(toCompletable(provider.call(request(credentials()))));
          }
          issued.complete(null);
        });
    issued.get(10, TimeUnit.SECONDS);
    awaitCondition(() -> azure.tokenRequests().size() == 1, "the token request arrived");
    release.countDown();

    for (CompletableFuture<UpstreamResponse> c : calls) {
      assertThat(c.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
    assertThat(azure.tokenRequests()).hasSize(1);
    assertThat(azure.received()).hasSize(5);
  }

  @Test
  void call_tokenNearExpiry_refreshedInBackgroundWhileCallsGoOn() throws Exception {
    call(request(credentials())).get(10, TimeUnit.SECONDS);
    // The token lives 3599 s: from 5 minutes before its expiry a new one is fetched, while calls
    // still go out with the old one.
    clock.advance(Duration.ofMinutes(56));

    call(request(credentials())).get(10, TimeUnit.SECONDS);

    assertThat(azure.lastReceived().headers().get("authorization"))
        .isEqualTo("Bearer fake-aad-token-1");
    awaitCondition(() -> azure.tokensIssued() == 2, "a second token fetched in the background");
    awaitOnLoop();
    call(request(credentials())).get(10, TimeUnit.SECONDS);
    assertThat(azure.lastReceived().headers().get("authorization"))
        .isEqualTo("Bearer fake-aad-token-2");
    assertThat(azure.tokensIssued()).isEqualTo(2);
  }

  @Test
  void call_tokenAboutToExpire_waitsForANewOne() throws Exception {
    call(request(credentials())).get(10, TimeUnit.SECONDS);
    // Within a minute of its expiry the old token is no longer sent.
    clock.advance(Duration.ofSeconds(3599 - 30));

    call(request(credentials())).get(10, TimeUnit.SECONDS);

    assertThat(azure.tokensIssued()).isEqualTo(2);
    assertThat(azure.lastReceived().headers().get("authorization"))
        .isEqualTo("Bearer fake-aad-token-2");
  }

  @Test
  void call_wrongSecret_fails401NamingDeploymentNeverTheSecret() throws Exception {
    Map<String, Object> wrong = new HashMap<>(credentials());
    wrong.put("client_secret", "wrong-" + SECRET);

    GatewayException e = failure(call(request(wrong)));

    assertThat(e.status()).isEqualTo(401);
    assertThat(e.type()).isEqualTo("authentication_error");
    assertThat(e.getMessage())
        .isEqualTo(
            "Azure AD refused the client credentials of deployment d1: the token endpoint"
                + " answered HTTP 401: invalid_client: AADSTS7000215: Invalid client secret"
                + " provided. Ensure the secret being sent in the request is the client secret"
                + " value, not the client secret ID.")
        .doesNotContain(SECRET);
    assertThat(azure.received()).as("nothing sent to the resource").isEmpty();

    // A refused secret is not asked about again on every request...
    assertThat(failure(call(request(wrong))).status()).isEqualTo(401);
    assertThat(azure.tokenRequests()).hasSize(1);
    // ...but again once a few seconds have passed.
    clock.advance(Duration.ofSeconds(6));
    assertThat(failure(call(request(wrong))).status()).isEqualTo(401);
    assertThat(azure.tokenRequests()).hasSize(2);
  }

  @Test
  void call_tokenEndpointUnreachable_fails502NamingDeployment() throws Exception {
    Map<String, Object> creds = new HashMap<>(credentials());
    creds.put("azure_authority_host", "http://127.0.0.1:1");

    GatewayException e = failure(call(request(creds)));

    assertThat(e.status()).isEqualTo(502);
    assertThat(e.getMessage())
        .startsWith(
            "could not get an Azure AD token for deployment d1: the token endpoint could not be"
                + " reached: ")
        .doesNotContain(SECRET);
  }

  @Test
  void call_tokenHeldPastTheCallTimeout_fails504() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    azure.holdTokens(release);
    try {
      GatewayException e = failure(call(request(credentials(), 300, new Cancellation())));

      assertThat(e.status()).isEqualTo(504);
      assertThat(e.getMessage()).isEqualTo("upstream did not answer within 300 ms");
    } finally {
      release.countDown();
    }
  }

  @Test
  void stream_clientCredentials_relaysWithBearer() throws Exception {
    CompletableFuture<String> done = new CompletableFuture<>();
    StringBuilder text = new StringBuilder();
    List<Usage> usages = new ArrayList<>();
    SseSink sink =
        new SseSink() {
          @Override
          public void begin() {}

          @Override
          public void write(Buffer events) {
            text.append(events.toString(StandardCharsets.UTF_8));
          }

          @Override
          public boolean writeQueueFull() {
            return false;
          }

          @Override
          public void drainHandler(Handler<Void> handler) {}

          @Override
          public void usage(Usage usage) {
            usages.add(usage);
          }

          @Override
          public void end() {
            done.complete(text.toString());
          }

          @Override
          public void fail(GatewayException error) {
            done.completeExceptionally(error);
          }

          @Override
          public void failRelayed(GatewayException error) {
            done.completeExceptionally(error);
          }
        };
    UpstreamRequest up =
        new UpstreamRequest(
            ParsedRequests.parse(
                Endpoint.CHAT,
                "{\"model\":\"g\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"hi\"}]}"),
            "d1",
            params(credentials()),
            5_000,
            new Cancellation(),
            OptionalLong.empty());

    context.runOnContext(v -> provider.stream(up, sink));

    assertThat(done.get(10, TimeUnit.SECONDS)).contains("Hello").endsWith("data: [DONE]\n\n");
    assertThat(usages).containsExactly(Usage.tokens(12, 5));
    assertThat(azure.lastReceived().headers().get("authorization"))
        .isEqualTo("Bearer fake-aad-token-1");
  }

  private Map<String, Object> credentials() {
    return Map.of(
        "tenant_id",
        "tenant-1",
        "client_id",
        "client-1",
        "client_secret",
        SECRET,
        "azure_authority_host",
        azure.authorityHost());
  }

  private LitellmParams params(Map<String, Object> extra) {
    return new LitellmParams(
        "azure/gpt-4o-prod",
        "azure",
        "gpt-4o-prod",
        Optional.of(azure.endpoint()),
        Optional.empty(),
        Optional.of("2024-10-21"),
        OptionalLong.empty(),
        OptionalLong.empty(),
        OptionalInt.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        1,
        Map.of(),
        extra);
  }

  private UpstreamRequest request(Map<String, Object> extra) {
    return request(extra, 5_000, new Cancellation());
  }

  private UpstreamRequest request(Map<String, Object> extra, long timeoutMillis, Cancellation c) {
    return new UpstreamRequest(
        ParsedRequests.parse(
            Endpoint.CHAT,
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
        "d1",
        params(extra),
        timeoutMillis,
        c,
        OptionalLong.empty());
  }

  private CompletableFuture<UpstreamResponse> call(UpstreamRequest up) {
    CompletableFuture<UpstreamResponse> out = new CompletableFuture<>();
    context.runOnContext(
        v ->
            toCompletable(provider.call(up))
                .whenComplete(
                    (r, e) -> {
                      if (e != null) {
                        out.completeExceptionally(e);
                      } else {
                        out.complete(r);
                      }
                    }));
    return out;
  }

  private static <T> CompletableFuture<T> toCompletable(Future<T> f) {
    CompletableFuture<T> out = new CompletableFuture<>();
    f.onComplete(
        ar -> {
          if (ar.succeeded()) {
            out.complete(ar.result());
          } else {
            out.completeExceptionally(ar.cause());
          }
        });
    return out;
  }

  private static GatewayException failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(GatewayException.class);
      return (GatewayException) java.util.Objects.requireNonNull(e.getCause());
    }
    throw new AssertionError("the call succeeded");
  }

  /** Waits for something another thread does; fails after 10 seconds. */
  private static void awaitCondition(BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  /** Lets the event loop run what was queued on it, such as a token fetch's completion. */
  private static void awaitOnLoop() throws Exception {
    CompletableFuture<Void> f = new CompletableFuture<>();
    context.runOnContext(v -> f.complete(null));
    f.get(10, TimeUnit.SECONDS);
  }
}

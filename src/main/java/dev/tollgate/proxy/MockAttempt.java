package dev.tollgate.proxy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.RequestMocks;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One attempt of a request that carries LiteLLM's testing fields ({@link RequestMocks}): a {@link
 * Provider} that stands where the deployment's provider would, so that the failure it fabricates
 * goes through the same retry, cooldown and fallback code as a provider's own. Made only for such
 * requests; runs on the request's event loop.
 */
final class MockAttempt implements Provider {
  private final Provider real;
  private final @Nullable Provider mock;
  private final @Nullable GatewayException failure;
  private final @Nullable String response;
  private final Vertx vertx;

  private MockAttempt(
      Provider real,
      @Nullable Provider mock,
      @Nullable GatewayException failure,
      @Nullable String response,
      Vertx vertx) {
    this.real = real;
    this.mock = mock;
    this.failure = failure;
    this.response = response;
    this.vertx = vertx;
  }

  /**
   * The provider for this attempt, or {@code real} when the testing fields leave it alone.
   *
   * @param mock the in-process mock provider, which writes a {@code mock_response} answer
   * @param group the attempt's model group
   * @param requested whether that is the group the request named (not a fallback)
   * @param first whether this is the request's first attempt
   * @param fallbacks the request's own fallbacks, for the message
   */
  static Provider of(
      Provider real,
      @Nullable Provider mock,
      RequestMocks m,
      String group,
      boolean requested,
      boolean first,
      List<String> fallbacks,
      Vertx vertx) {
    GatewayException failure = null;
    if (m.timeout()) {
      failure = GatewayException.timeout("mock_timeout: the upstream is treated as timed out");
    } else if (m.rateLimitError() && first) {
      failure =
          GatewayException.upstream(
              429,
              "This is a mock rate limit error for model group="
                  + group
                  + " (mock_testing_rate_limit_error)",
              null);
    } else if (m.fallbacks() && requested) {
      failure =
          GatewayException.upstream(
              500,
              "This is a mock exception for model="
                  + group
                  + ", to trigger a fallback. Fallbacks="
                  + fallbacks
                  + " (mock_testing_fallbacks)",
              null);
    }
    String response = m.response().orElse(null);
    if (failure == null && response == null) {
      return real;
    }
    return new MockAttempt(real, mock, failure, response, vertx);
  }

  /** Whether this attempt answers with {@code mock_response}, made here, rather than failing. */
  boolean answers() {
    return failure == null;
  }

  @Override
  public boolean serves(Endpoint endpoint, LitellmParams params) {
    return real.serves(endpoint, params);
  }

  @Override
  public Future<UpstreamResponse> call(UpstreamRequest up) {
    GatewayException f = failure;
    if (f != null) {
      Promise<UpstreamResponse> p = Promise.promise();
      after(up, () -> p.tryFail(f));
      return p.future();
    }
    return mock().call(answered(up));
  }

  @Override
  public void stream(UpstreamRequest up, SseSink sink) {
    GatewayException f = failure;
    if (f != null) {
      after(up, () -> sink.fail(f));
      return;
    }
    mock().stream(answered(up), sink);
  }

  /** Runs {@code fail} as the upstream would: a timeout once the attempt's timeout passed. */
  private void after(UpstreamRequest up, Runnable fail) {
    if (failure != null && failure.status() == 504) {
      long timer = vertx.setTimer(Math.max(1, up.timeoutMillis()), id -> fail.run());
      up.cancellation().onCancel(() -> vertx.cancelTimer(timer));
    } else {
      vertx.runOnContext(v -> fail.run());
    }
  }

  private Provider mock() {
    if (mock == null) {
      throw new IllegalStateException("the mock provider is always registered");
    }
    return mock;
  }

  /** {@code up} for the mock provider: the deployment's model, answering {@code response}. */
  private UpstreamRequest answered(UpstreamRequest up) {
    LitellmParams p = up.params();
    LitellmParams mocked =
        p.with(
            p.model(),
            "mock",
            p.providerModel(),
            Map.of("mock_response", java.util.Objects.requireNonNull(response, "response")));
    return new UpstreamRequest(
        up.request(),
        up.deploymentId(),
        mocked,
        up.timeoutMillis(),
        up.cancellation(),
        up.maxOutputTokens(),
        up.traceparent(),
        up.tracestate());
  }
}

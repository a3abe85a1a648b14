package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Routing strategies over real HTTP: what each one chooses, as the README documents it. */
class StrategiesIT {
  FakeOpenAi a;
  FakeOpenAi b;
  @Nullable TestGateway gw;

  @BeforeEach
  void upstreams() {
    a = new FakeOpenAi();
    b = new FakeOpenAi();
  }

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
    a.close();
    b.close();
  }

  TestGateway start(String strategy, String aPrice, String bPrice) {
    String yaml =
        """
        model_list:
          - model_name: g
            litellm_params: {model: openai/gpt-x, api_base: %s%s}
            model_info: {id: a}
          - model_name: g
            litellm_params: {model: openai/gpt-x, api_base: %s%s}
            model_info: {id: b}
        router_settings:
          routing_strategy: %s
        """
            .formatted(a.apiBase(), aPrice, b.apiBase(), bPrice, strategy);
    gw = TestGateway.start(yaml);
    return gw;
  }

  HttpRequest request() {
    TestGateway g = java.util.Objects.requireNonNull(gw);
    return HttpRequest.newBuilder(g.uri("/v1/chat/completions"))
        .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
        .header("Content-Type", "application/json")
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
        .build();
  }

  String servedBy(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.headers().firstValue("x-litellm-model-id").orElseThrow();
  }

  @Test
  void costBased_theCheaperDeploymentServesEveryRequest() {
    TestGateway g =
        start(
            "cost-based-routing",
            ", input_cost_per_token: 0.00001, output_cost_per_token: 0.00003",
            ", input_cost_per_token: 0.000001, output_cost_per_token: 0.000002");
    for (int i = 0; i < 20; i++) {
      assertThat(servedBy(g.send(request()))).isEqualTo("b");
    }
    assertThat(a.received()).isEmpty();
  }

  @Test
  void costBased_anUnknownPriceIsNeverTakenForFree() {
    // a's model is in no catalog and has no price of its own: unknown.
    TestGateway g =
        start(
            "cost-based-routing", "", ", input_cost_per_token: 0.01, output_cost_per_token: 0.02");
    for (int i = 0; i < 10; i++) {
      assertThat(servedBy(g.send(request()))).isEqualTo("b");
    }
  }

  @Test
  void leastBusy_aDeploymentHoldingARequest_isPassedOverForTheNext() throws Exception {
    TestGateway g = start("least-busy", "", "");
    CountDownLatch release = new CountDownLatch(1);
    a.enqueue(new FakeOpenAi.Held(release));
    b.enqueue(new FakeOpenAi.Held(release));
    // Two requests in flight: one on each deployment, whichever came first.
    CompletableFuture<HttpResponse<String>> one =
        g.http().sendAsync(request(), HttpResponse.BodyHandlers.ofString());
    awaitReceived(1);
    CompletableFuture<HttpResponse<String>> two =
        g.http().sendAsync(request(), HttpResponse.BodyHandlers.ofString());
    awaitReceived(2);
    assertThat(a.received()).hasSize(1);
    assertThat(b.received()).hasSize(1);
    release.countDown();
    assertThat(servedBy(one.get(30, TimeUnit.SECONDS)))
        .isNotEqualTo(servedBy(two.get(30, TimeUnit.SECONDS)));
  }

  void awaitReceived(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (a.received().size() + b.received().size() < n) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(5);
    }
  }
}

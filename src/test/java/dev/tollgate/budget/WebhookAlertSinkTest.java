package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.config.Environment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WebhookAlertSinkTest {

  @Test
  void alert_softBudgetCrossed_postsLiteLlmJsonToTheWebhook() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<JsonNode> received = new CompletableFuture<>();
      CompletableFuture<String> contentType = new CompletableFuture<>();
      HttpServer server =
          vertx
              .createHttpServer()
              .requestHandler(
                  req -> {
                    contentType.complete(String.valueOf(req.getHeader("content-type")));
                    req.body()
                        .onSuccess(
                            b -> {
                              try {
                                received.complete(Json.MAPPER.readTree(b.getBytes()));
                              } catch (java.io.IOException e) {
                                received.completeExceptionally(e);
                              }
                              req.response().end();
                            });
                  })
              .listen(0, "127.0.0.1")
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      WebhookAlertSink sink =
          WebhookAlertSink.create(vertx, "http://127.0.0.1:" + server.actualPort() + "/hook");
      sink.alert(
          new BudgetAlert(
              BudgetAlert.SOFT_BUDGET_CROSSED,
              Level.KEY,
              "k1",
              "key 'ci'",
              2_500_000_000L,
              OptionalLong.of(2_000_000_000L),
              OptionalLong.empty(),
              Optional.empty(),
              "abc",
              Optional.of("ci"),
              Optional.of("u1"),
              Optional.empty(),
              Optional.of("c1")));
      JsonNode body = received.get(10, TimeUnit.SECONDS);
      assertThat(contentType.get()).isEqualTo("application/json");
      assertThat(body.get("event").asText()).isEqualTo("soft_budget_crossed");
      assertThat(body.get("event_group").asText()).isEqualTo("key");
      assertThat(body.get("spend").decimalValue()).isEqualByComparingTo("2.5");
      assertThat(body.get("soft_budget").decimalValue()).isEqualByComparingTo("2");
      assertThat(body.get("max_budget").isNull()).isTrue();
      assertThat(body.get("key_alias").asText()).isEqualTo("ci");
      assertThat(body.get("customer_id").asText()).isEqualTo("c1");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void alert_webhookUnreachable_neitherThrowsNorBlocks() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      WebhookAlertSink sink = WebhookAlertSink.create(vertx, "http://127.0.0.1:1/hook");
      sink.alert(
          new BudgetAlert(
              BudgetAlert.SOFT_BUDGET_CROSSED,
              Level.GLOBAL,
              "proxy",
              "global",
              1,
              OptionalLong.of(1),
              OptionalLong.empty(),
              Optional.empty(),
              "h",
              Optional.empty(),
              Optional.empty(),
              Optional.empty(),
              Optional.empty()));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void configuredUrl_webhookListedWithoutUrl_refusedRatherThanSilent() {
    assertThat(WebhookAlertSink.configuredUrl(List.of("slack"), Environment.of(Map.of())))
        .isEmpty();
    assertThat(
            WebhookAlertSink.configuredUrl(
                List.of("webhook"), Environment.of(Map.of("WEBHOOK_URL", "http://x/y"))))
        .contains("http://x/y");
    assertThatThrownBy(
            () -> WebhookAlertSink.configuredUrl(List.of("webhook"), Environment.of(Map.of())))
        .hasMessageContaining("WEBHOOK_URL");
  }
}

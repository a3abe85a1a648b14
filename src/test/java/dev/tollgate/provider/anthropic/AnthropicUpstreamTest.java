package dev.tollgate.provider.anthropic;

import static dev.tollgate.provider.anthropic.Requests.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.Catalog;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.PriceSource;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.Providers;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeAnthropic.Reply;
import dev.tollgate.testing.FakeAnthropic.Text;
import dev.tollgate.testing.FakeAnthropic.Tokens;
import dev.tollgate.testing.FakeAnthropic.ToolUse;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Anthropic provider as the request path calls it, over real loopback HTTP against {@link
 * FakeAnthropic}: the registry's provider, its transport, the translation both ways, native
 * pass-through, errors, and a stream billed exactly as the same answer not streamed.
 */
class AnthropicUpstreamTest {
  // Started before all tests.
  @SuppressWarnings("NullAway.Init")
  static Vertx vertx;

  @SuppressWarnings("NullAway.Init")
  static Context context;

  @SuppressWarnings("NullAway.Init")
  static Provider anthropic;

  @SuppressWarnings("NullAway.Init")
  static FakeAnthropic upstream;

  static final Tokens CACHED = new Tokens(100, 50, 1000, 200, 300);

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = new FakeAnthropic();
    HttpClient client = vertx.createHttpClient();
    context = vertx.getOrCreateContext();
    CompletableFuture<Provider> p = new CompletableFuture<>();
    context.runOnContext(
        v -> p.complete(new Providers(vertx, client).forName("anthropic").orElseThrow()));
    anthropic = p.get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    upstream.close();
    vertx.close().await();
  }

  static UpstreamRequest chat(String json) {
    return Requests.chat(json, Optional.of(upstream.apiBase()), OptionalLong.empty());
  }

  static String chatBody(boolean stream) {
    return "{\"model\":\"claude\",\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Hello\"}]}";
  }

  static UpstreamResponse call(UpstreamRequest up) throws Exception {
    CompletableFuture<UpstreamResponse> out = new CompletableFuture<>();
    context.runOnContext(
        v ->
            anthropic
                .call(up)
                .onComplete(
                    ar -> {
                      if (ar.succeeded()) {
                        out.complete(ar.result());
                      } else {
                        out.completeExceptionally(ar.cause());
                      }
                    }));
    try {
      return out.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  static RecordingSink stream(UpstreamRequest up) throws Exception {
    RecordingSink sink = new RecordingSink();
    context.runOnContext(v -> anthropic.stream(up, sink));
    sink.outcome();
    return sink;
  }

  static long cost(Usage u) {
    Price price =
        new Price.Priced(
            Catalog.bundled().lookup("anthropic/claude-haiku-4-5", null).orElseThrow().rates(),
            PriceSource.CATALOG);
    return CostCalculator.costNanos(price, u).orElseThrow();
  }

  @Test
  void call_chat_sentAsMessagesAndAnsweredAsChatCompletion() throws Exception {
    upstream.enqueue(Reply.text("Hello there", CACHED));

    UpstreamResponse r = call(chat(chatBody(false)));

    FakeAnthropic.Received sent = upstream.lastReceived();
    assertThat(sent.path()).isEqualTo("/v1/messages");
    assertThat(sent.headers().get("x-api-key")).isEqualTo("sk-ant-test-secret");
    assertThat(sent.headers().get("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(sent.json())
        .isEqualTo(
            tree(
                """
                {"model":"claude-haiku-4-5","max_tokens":4096,
                 "system":[{"type":"text","text":"Be brief."}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"Hello"}]}]}
                """));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).isEqualTo("application/json");
    JsonNode body = tree(r.body());
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    assertThat(body.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello there");
    assertThat(body.path("usage").path("prompt_tokens").asLong()).isEqualTo(1600);
    assertThat(r.usage()).contains(new Usage(100, 50, 1000, 200, 300, 0, 0, 0, 0, 0));
  }

  /**
   * 100 uncached input at $1/M, 1,000 cache reads at $0.10/M, 200 5-minute writes at $1.25/M, 300
   * 1-hour writes at $2/M, 50 output at $5/M: 0.0001 + 0.0001 + 0.00025 + 0.0006 + 0.00025 USD.
   */
  @Test
  void stream_chat_samePriceToTheNanoAsTheCall() throws Exception {
    Reply reply =
        new Reply(
            List.of(new Text("Let me look."), new ToolUse("toolu_1", "lookup", "{\"q\":\"x\"}")),
            "tool_use",
            null,
            CACHED);
    upstream.enqueue(reply).enqueue(reply);

    UpstreamResponse called = call(chat(chatBody(false)));
    RecordingSink streamed = stream(chat(chatBody(true)));

    assertThat(streamed.outcome()).isEmpty();
    assertThat(upstream.lastReceived().json().path("stream").asBoolean()).isTrue();
    assertThat(streamed.text()).startsWith("data: {").endsWith("data: [DONE]\n\n");
    assertThat(streamed.lastUsage()).isEqualTo(called.usage());
    assertThat(cost(streamed.lastUsage().orElseThrow())).isEqualTo(1_300_000L);
    assertThat(cost(called.usage().orElseThrow())).isEqualTo(1_300_000L);
  }

  @Test
  void call_nativeMessages_answerUnchangedWithItsUsage() throws Exception {
    upstream.enqueue(Reply.text("Hello there", CACHED));
    String json =
        "{\"model\":\"claude\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    UpstreamResponse r = call(Requests.messages(json, Optional.of(upstream.apiBase() + "/v1")));

    assertThat(upstream.lastReceived().body())
        .isEqualTo(json.replace("\"claude\"", "\"claude-haiku-4-5\""));
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .isEqualTo(
            FakeAnthropic.message(Reply.text("Hello there", CACHED), "claude-haiku-4-5")
                .toString());
    assertThat(r.usage()).contains(new Usage(100, 50, 1000, 200, 300, 0, 0, 0, 0, 0));
  }

  @Test
  void stream_nativeMessages_eventsByteForByteWithUsage() throws Exception {
    Reply reply = Reply.text("Hello there", CACHED);
    upstream.enqueue(reply);
    String json =
        "{\"model\":\"claude\",\"max_tokens\":64,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    RecordingSink sink = stream(Requests.messages(json, Optional.of(upstream.apiBase())));

    assertThat(sink.outcome()).isEmpty();
    assertThat(sink.text())
        .isEqualTo(String.join("", FakeAnthropic.events(reply, "claude-haiku-4-5")));
    assertThat(sink.lastUsage()).contains(new Usage(100, 50, 1000, 200, 300, 0, 0, 0, 0, 0));
  }

  @Test
  void call_upstreamErrors_mapped() throws Exception {
    upstream.enqueue(new FakeAnthropic.Error(429, "rate_limit_error", "Slow down", 7));
    assertThatThrownBy(() -> call(chat(chatBody(false))))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.status()).isEqualTo(429);
              assertThat(e.type()).isEqualTo("rate_limit_exceeded");
              assertThat(e.getMessage()).contains("Slow down").doesNotContain("sk-ant");
            });
    upstream.enqueue(new FakeAnthropic.Error(529, "overloaded_error", "Overloaded", 0));
    assertThatThrownBy(() -> call(chat(chatBody(false))))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(529));
  }

  @Test
  void stream_upstreamErrors_failBeforeOrDuringTheStream() throws Exception {
    upstream.enqueue(
        new FakeAnthropic.Error(
            400, "invalid_request_error", "prompt is too long: 215000 tokens > 200000 maximum", 0));
    RecordingSink refused = stream(chat(chatBody(true)));
    assertThat(refused.begun).isFalse();
    assertThat(refused.outcome())
        .hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("context_length_exceeded"));

    upstream.enqueue(
        new FakeAnthropic.ErrorMidStream(
            Reply.text("Hello", CACHED), "overloaded_error", "Overloaded"));
    RecordingSink failed = stream(chat(chatBody(true)));
    assertThat(failed.begun).isTrue();
    assertThat(failed.text()).contains("\"role\":\"assistant\"");
    assertThat(failed.outcome()).hasValueSatisfying(e -> assertThat(e.status()).isEqualTo(529));

    upstream.enqueue(new FakeAnthropic.CutStream(Reply.text("Hello", CACHED)));
    RecordingSink cut = stream(chat(chatBody(true)));
    assertThat(cut.outcome()).hasValueSatisfying(e -> assertThat(e.status()).isEqualTo(502));
    assertThat(cut.usages).isEmpty();
  }
}

package dev.tollgate.provider.anthropic;

import static dev.tollgate.provider.anthropic.Requests.chat;
import static dev.tollgate.provider.anthropic.Requests.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.proxy.ParsedRequests;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a call is addressed and what body it carries, per endpoint. */
class AnthropicWireTest {
  final AnthropicWire wire = new AnthropicWire(Clock.systemUTC());

  static final String CHAT =
      "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @ParameterizedTest
  @CsvSource({
    "https://api.anthropic.com,              api.anthropic.com, 443,  true,  /v1/messages",
    "https://api.anthropic.com/,             api.anthropic.com, 443,  true,  /v1/messages",
    "http://127.0.0.1:8080/v1,               127.0.0.1,         8080, false, /v1/messages",
    "http://127.0.0.1:8080/v1/,              127.0.0.1,         8080, false, /v1/messages",
    "http://proxy.internal/anthropic,        proxy.internal,    80,   false, /anthropic/v1/messages",
    "https://gw.example.com/x/v1/messages,   gw.example.com,    443,  true,  /x/v1/messages",
  })
  void request_apiBaseWithOrWithoutV1_postsToV1Messages(
      String base, String host, int port, boolean ssl, String path) {
    RequestOptions o = wire.request(chat(CHAT, Optional.of(base), OptionalLong.empty()));
    assertThat(o.getMethod()).isEqualTo(HttpMethod.POST);
    assertThat(o.getHost()).isEqualTo(host);
    assertThat(o.getPort()).isEqualTo(port);
    assertThat(o.isSsl()).isEqualTo(ssl);
    assertThat(o.getURI()).isEqualTo(path);
  }

  @Test
  void request_noApiBase_anthropicsApi() {
    RequestOptions o = wire.request(chat(CHAT));
    assertThat(o.getHost()).isEqualTo("api.anthropic.com");
    assertThat(o.getURI()).isEqualTo("/v1/messages");
  }

  @Test
  void request_headers_keyVersionAndConfiguredHeaders() {
    UpstreamRequest up =
        new UpstreamRequest(
            ParsedRequests.parse(Endpoint.CHAT, CHAT),
            "d1",
            Requests.params(
                Optional.empty(),
                Map.of(
                    "extra_headers",
                    Map.of("anthropic-beta", "context-1m-2025-08-07", "x-team", "qa"))),
            10_000,
            new Cancellation(),
            OptionalLong.empty());

    RequestOptions o = wire.request(up);

    assertThat(o.getHeaders().get("x-api-key")).isEqualTo("sk-ant-test-secret");
    assertThat(o.getHeaders().get("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(o.getHeaders().get("content-type")).isEqualTo("application/json");
    assertThat(o.getHeaders().get("anthropic-beta")).isEqualTo("context-1m-2025-08-07");
    assertThat(o.getHeaders().get("x-team")).isEqualTo("qa");
    assertThat(o.getHeaders().get("authorization")).isNull();
  }

  @Test
  void serves_chatAndMessagesOnly() {
    assertThat(wire.serves(Endpoint.CHAT, "anthropic")).isTrue();
    assertThat(wire.serves(Endpoint.MESSAGES, "anthropic")).isTrue();
    assertThat(wire.serves(Endpoint.COMPLETIONS, "anthropic")).isFalse();
    assertThat(wire.serves(Endpoint.EMBEDDINGS, "anthropic")).isFalse();
    assertThat(wire.serves(Endpoint.RESPONSES, "anthropic")).isFalse();
  }

  @Test
  void body_completionsOrEmbeddings_is400SayingAnthropicHasNone() {
    UpstreamRequest completion =
        new UpstreamRequest(
            ParsedRequests.parse(Endpoint.COMPLETIONS, "{\"model\":\"claude\",\"prompt\":\"hi\"}"),
            "d1",
            Requests.params(Optional.empty(), Map.of()),
            10_000,
            new Cancellation(),
            OptionalLong.empty());
    assertThatThrownBy(() -> wire.body(completion))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.getMessage()).contains("no text-completion endpoint");
            });
    UpstreamRequest embedding =
        new UpstreamRequest(
            ParsedRequests.parse(Endpoint.EMBEDDINGS, "{\"model\":\"claude\",\"input\":\"hi\"}"),
            "d1",
            Requests.params(Optional.empty(), Map.of()),
            10_000,
            new Cancellation(),
            OptionalLong.empty());
    assertThatThrownBy(() -> wire.body(embedding))
        .isInstanceOfSatisfying(
            GatewayException.class, e -> assertThat(e.getMessage()).contains("no embeddings"));
  }

  @Test
  void body_nativeMessages_clientBytesWithOnlyTheModelRewritten() {
    String json =
        "{ \"model\" : \"claude\", \"max_tokens\": 1024,\n"
            + "  \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}], \"top_k\": 5 }";
    UpstreamRequest up = Requests.messages(json, Optional.empty());

    String sent = wire.body(up).toString(StandardCharsets.UTF_8);

    assertThat(sent).isEqualTo(json.replace("\"claude\"", "\"claude-haiku-4-5\""));
  }

  @Test
  void body_chat_translated() {
    assertThat(tree(wire.body(chat(CHAT)).getBytes()).path("messages"))
        .isEqualTo(tree("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]"));
  }
}

package dev.tollgate.dialect.converse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

class ConverseDialectTest {
  final ConverseDialect dialect = new ConverseDialect(true);

  @Test
  void chatForm_readsWhatAdmissionNeeds() throws Exception {
    String body =
        """
        {"system":[{"text":"Be brief."},{"cachePoint":{"type":"default"}}],
         "messages":[
           {"role":"user","content":[{"text":"What is this?"},
             {"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}]},
           {"role":"assistant","content":[
             {"toolUse":{"toolUseId":"t1","name":"look","input":{"at":"image"}}}]},
           {"role":"user","content":[
             {"toolResult":{"toolUseId":"t1","content":[{"json":{"seen":"cat"}}]}}]}],
         "toolConfig":{"tools":[{"toolSpec":{"name":"look","description":"Looks",
           "inputSchema":{"json":{"type":"object"}}}}]},
         "inferenceConfig":{"maxTokens":300,"temperature":0.2,"stopSequences":["END"]}}
        """;

    JsonNode chat = Json.MAPPER.readTree(dialect.toChat(body.getBytes(StandardCharsets.UTF_8)));

    assertThat(chat.path("max_tokens").asLong()).isEqualTo(300);
    assertThat(chat.path("stream").asBoolean()).isTrue();
    assertThat(chat.path("stop").get(0).asText()).isEqualTo("END");
    JsonNode messages = chat.path("messages");
    assertThat(messages.get(0).path("content").asText()).isEqualTo("Be brief.");
    assertThat(messages.get(1).path("content").get(1).path("image_url").path("url").asText())
        .isEqualTo("data:image/png;base64,iVBORw0KGgo=");
    assertThat(
            messages.get(2).path("tool_calls").get(0).path("function").path("arguments").asText())
        .isEqualTo("{\"at\":\"image\"}");
    assertThat(messages.get(3).path("role").asText()).isEqualTo("tool");
    assertThat(messages.get(3).path("tool_call_id").asText()).isEqualTo("t1");
    assertThat(chat.path("tools").get(0).path("function").path("name").asText()).isEqualTo("look");
  }

  @Test
  void chatForm_refusesWhatItCannotRead_namingTheField() {
    assertThatThrownBy(() -> dialect.toChat("{\"messages\":\"Hello\"}".getBytes()))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("'messages'");
    assertThatThrownBy(
            () ->
                dialect.toChat(
                    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"maxTokens\":0}}"
                        .getBytes()))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("maxTokens");
  }

  @Test
  void errors_nameTheExceptionAnAwsClientExpects() {
    assertThat(type(GatewayException.of(429, "budget_exceeded", null, "key_budget", "spent")))
        .isEqualTo("ServiceQuotaExceededException");
    assertThat(type(GatewayException.of(429, "rate_limit_exceeded", null, "rpm", "slow")))
        .isEqualTo("ThrottlingException");
    assertThat(type(GatewayException.badRequest("x", "bad"))).isEqualTo("ValidationException");
    assertThat(type(GatewayException.unauthorized("who"))).isEqualTo("AccessDeniedException");
    assertThat(type(GatewayException.of(503, "t", null, "ServiceUnavailableException", "busy")))
        .isEqualTo("ServiceUnavailableException");
  }

  private String type(GatewayException e) {
    List<String> put = new ArrayList<>();
    dialect.errorHeaders(e, (k, v) -> put.add(k + "=" + v));
    assertThat(put).hasSize(1);
    return put.get(0).substring("x-amzn-ErrorType=".length());
  }

  @Test
  void streamError_isAnExceptionFrameAwssOwnDecoderAccepts() throws Exception {
    Buffer frame =
        dialect
            .passThrough()
            .error(GatewayException.of(429, "budget_exceeded", null, "k", "spent"));
    List<Message> got = new ArrayList<>();
    new MessageDecoder(got::add).feed(frame.getBytes());

    assertThat(got).hasSize(1);
    Message m = got.get(0);
    assertThat(Objects.requireNonNull(m.getHeaders().get(":message-type")).getString())
        .isEqualTo("exception");
    assertThat(Objects.requireNonNull(m.getHeaders().get(":exception-type")).getString())
        .isEqualTo("ServiceQuotaExceededException");
    assertThat(Json.MAPPER.readTree(m.getPayload()).path("message").asText()).isEqualTo("spent");
  }
}

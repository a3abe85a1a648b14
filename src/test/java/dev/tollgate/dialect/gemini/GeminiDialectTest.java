package dev.tollgate.dialect.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GeminiDialectTest {
  @Test
  void chatForm_readsWhatAdmissionNeeds_inJsonAndProtoNames() throws Exception {
    String body =
        """
        {"system_instruction":{"parts":[{"text":"Be brief."}]},
         "contents":[
           {"role":"user","parts":[{"text":"What is this?"},
             {"inline_data":{"mime_type":"image/png","data":"iVBORw0K"}},
             {"fileData":{"mimeType":"application/pdf","fileUri":"gs://b/doc.pdf"}}]},
           {"role":"model","parts":[{"functionCall":{"name":"look","args":{"at":"image"}}}]},
           {"role":"user","parts":[{"functionResponse":{"name":"look","response":{"seen":"cat"}}}]}],
         "generationConfig":{"maxOutputTokens":500,"candidateCount":2,"topP":0.5}}
        """;

    JsonNode chat =
        Json.MAPPER.readTree(
            new GeminiDialect(false).toChat(body.getBytes(StandardCharsets.UTF_8)));

    assertThat(chat.path("max_tokens").asLong()).isEqualTo(500);
    assertThat(chat.path("n").asInt()).isEqualTo(2);
    assertThat(chat.has("stream")).isFalse();
    JsonNode m = chat.path("messages");
    assertThat(m.get(0).path("role").asText()).isEqualTo("system");
    JsonNode parts = m.get(1).path("content");
    assertThat(parts.get(1).path("image_url").path("url").asText())
        .isEqualTo("data:image/png;base64,iVBORw0K");
    assertThat(parts.get(2).path("type").asText()).isEqualTo("file");
    String id = m.get(2).path("tool_calls").get(0).path("id").asText();
    assertThat(m.get(3).path("tool_call_id").asText())
        .as("the function's result answers its call")
        .isEqualTo(id);
    assertThat(
            Json.MAPPER
                .readTree(new GeminiDialect(true).toChat(body.getBytes(StandardCharsets.UTF_8)))
                .path("stream_options")
                .path("include_usage")
                .asBoolean())
        .isTrue();
  }

  @Test
  void chatForm_refusesWhatItCannotRead_namingTheField() {
    GeminiDialect d = new GeminiDialect(false);
    assertThatThrownBy(() -> d.toChat("{\"contents\":{}}".getBytes()))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("'contents'");
    assertThatThrownBy(
            () ->
                d.toChat(
                    "{\"contents\":[],\"generationConfig\":{\"maxOutputTokens\":-1}}".getBytes()))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("maxOutputTokens");
    assertThatThrownBy(() -> d.toChat("[1]".getBytes()))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("JSON object");
  }

  @Test
  void errors_areGooglesShape_andAnUpstreamGoogleErrorIsKept() throws Exception {
    JsonNode e =
        Json.MAPPER
            .readTree(
                new GeminiDialect(false)
                    .errorBody(
                        GatewayException.of(429, "budget_exceeded", null, "key_budget", "x")))
            .path("error");
    assertThat(e.path("code").asInt()).isEqualTo(429);
    assertThat(e.path("status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(e.path("details").get(0).path("reason").asText()).isEqualTo("key_budget");

    byte[] google =
        "{\"error\":{\"code\":400,\"message\":\"bad\",\"status\":\"INVALID_ARGUMENT\"}}".getBytes();
    assertThat(new GeminiDialect(false).errorBody(GatewayException.upstream(400, "bad", google)))
        .isEqualTo(google);
    assertThat(GeminiDialect.status(401)).isEqualTo("UNAUTHENTICATED");
    assertThat(GeminiDialect.status(403)).isEqualTo("PERMISSION_DENIED");
    assertThat(GeminiDialect.status(504)).isEqualTo("DEADLINE_EXCEEDED");
  }
}

package dev.tollgate.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmParams;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChatParamsTest {
  static final Set<String> SUPPORTED = Set.of("temperature", "max_tokens");

  static ObjectNode body(String json) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(json);
  }

  static LitellmParams params(Map<String, Object> extra) {
    return ResponsesPassThroughTest.params(
        "anthropic/claude-x", "claude-x", "http://127.0.0.1:1", Optional.empty(), extra);
  }

  @Test
  void firstUnsupported_onlySupportedOrUncheckedKeys_isNull() throws Exception {
    assertThat(
            ChatParams.firstUnsupported(
                body(
                    "{\"model\":\"m\",\"messages\":[],\"stream\":true,"
                        + "\"stream_options\":{},\"temperature\":1,\"top_k\":3,\"thinking\":{}}"),
                SUPPORTED))
        .isNull();
  }

  @Test
  void firstUnsupported_unsupportedOpenAiParam_namesIt() throws Exception {
    assertThat(ChatParams.firstUnsupported(body("{\"temperature\":1,\"seed\":4}"), SUPPORTED))
        .isEqualTo("seed");
  }

  @Test
  void firstUnsupported_nullValueOrNOfOne_isNotAParameter() throws Exception {
    assertThat(ChatParams.firstUnsupported(body("{\"seed\":null,\"n\":1}"), SUPPORTED)).isNull();
    assertThat(ChatParams.firstUnsupported(body("{\"n\":2}"), SUPPORTED)).isEqualTo("n");
  }

  @Test
  void admit_withoutDropParams_throws400NamingParamAndProvider() throws Exception {
    ObjectNode root = body("{\"temperature\":1,\"logit_bias\":{}}");

    assertThatThrownBy(() -> ChatParams.admit(root, SUPPORTED, params(Map.of())))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.param()).isEqualTo("logit_bias");
              assertThat(e.getMessage()).contains("anthropic").contains("drop_params: true");
            });
  }

  @Test
  void admit_withDropParams_removesEveryUnsupportedParamOnly() throws Exception {
    ObjectNode root = body("{\"temperature\":1,\"logit_bias\":{},\"seed\":3,\"top_k\":2}");

    ChatParams.admit(root, SUPPORTED, params(Map.of("drop_params", true)));

    assertThat(root.toString()).isEqualTo("{\"temperature\":1,\"top_k\":2}");
  }
}

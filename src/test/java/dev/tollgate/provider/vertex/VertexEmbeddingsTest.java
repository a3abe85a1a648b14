package dev.tollgate.provider.vertex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.UpstreamResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VertexEmbeddingsTest {
  static UpstreamResponse answer(String json) {
    return VertexEmbeddings.answer(
        200, json.getBytes(StandardCharsets.UTF_8), "text-embedding-005");
  }

  @Test
  void tokenCounts_areSummedIntoTheUsage() throws Exception {
    UpstreamResponse r =
        answer(
            """
            {"predictions":[
              {"embeddings":{"values":[0.1,0.2],"statistics":{"token_count":3,"truncated":false}}},
              {"embeddings":{"values":[0.3,0.4],"statistics":{"token_count":1,"truncated":false}}}]}
            """);

    assertThat(r.usage()).contains(new Usage(4, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertThat(body.path("data").get(1).path("index").asInt()).isEqualTo(1);
    assertThat(body.path("data").get(1).path("embedding").get(0).asDouble()).isEqualTo(0.3);
    assertThat(body.path("usage").path("prompt_tokens").asLong()).isEqualTo(4);
  }

  @Test
  void withoutTokenCounts_theUsageIsLeftToTheEstimate_andNotShownAsZero() throws Exception {
    UpstreamResponse r = answer("{\"predictions\":[{\"embeddings\":{\"values\":[0.1]}}]}");

    assertThat(r.usage()).isEmpty();
    assertThat(Json.MAPPER.readTree(r.body()).has("usage")).isFalse();
  }

  @Test
  void anAnswerThatIsNotAPredictAnswer_isA502() {
    assertThatThrownBy(() -> answer("{\"embeddings\":[]}"))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("predict");
  }
}

package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code os.environ/} is resolved freely only in the config file. A model created through the API
 * may name only the variables in {@code general_settings.allowed_env_references}: otherwise an
 * admin-API caller could have the gateway send the master key to a server of their choosing.
 */
class EnvReferencesIT {
  @Test
  void theApi_mayNameOnlyAllowedVariables_andNeverTheMasterKey() throws Exception {
    try (FakeOpenAi upstream = new FakeOpenAi();
        TestGateway gw =
            TestGateway.start(
                """
                general_settings:
                  allowed_env_references: [UPSTREAM_KEY]
                """,
                Map.of(
                    "TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY, "UPSTREAM_KEY", "sk-up-123"))) {
      String model =
          "{\"model_name\":\"%s\",\"litellm_params\":{\"model\":\"openai/x\",\"api_base\":\""
              + upstream.apiBase()
              + "\",\"api_key\":\"os.environ/%s\",\"input_cost_per_token\":0,"
              + "\"output_cost_per_token\":0}}";

      HttpResponse<String> refused =
          gw.post("/model/new", model.formatted("leak", "TOLLGATE_MASTER_KEY"));
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      JsonNode error = Json.MAPPER.readTree(refused.body()).path("error");
      assertThat(error.path("message").asText()).contains("allowed_env_references");
      assertThat(refused.body()).doesNotContain(TestGateway.MASTER_KEY);

      HttpResponse<String> allowed = gw.post("/model/new", model.formatted("ok", "UPSTREAM_KEY"));
      assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
      HttpResponse<String> chat =
          gw.send(
              HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                  .header("authorization", "Bearer " + TestGateway.MASTER_KEY)
                  .header("content-type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"ok\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                  .build());
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      assertThat(upstream.received()).hasSize(1);
      assertThat(upstream.lastReceived().headers())
          .containsEntry("authorization", "Bearer sk-up-123");
    }
  }
}

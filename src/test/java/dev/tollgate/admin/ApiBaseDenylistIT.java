package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** general_settings.api_base_denylist at /model/new and /model/update, over real HTTP. */
class ApiBaseDenylistIT {
  FakeOpenAi upstream;

  @BeforeEach
  void up() {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
  }

  @AfterEach
  void down() {
    upstream.close();
  }

  String config(String general) {
    return """
        model_list:
          - model_name: cfg
            litellm_params: {model: openai/gpt-4o-mini, api_base: %s}
            model_info: {id: cfg-1}
        general_settings:
          config_sync_interval_seconds: 3600
        %s
        """
        .formatted(upstream.apiBase(), general);
  }

  static String model(String id, String base) {
    return "{\"model_name\":\"ui\",\"litellm_params\":{\"model\":\"openai/gpt-4o-mini\","
        + "\"api_base\":\""
        + base
        + "\"},\"model_info\":{\"id\":\""
        + id
        + "\"}}";
  }

  static void assertDenied(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.path("param").asText()).isEqualTo("litellm_params.api_base");
    assertThat(error.path("message").asText()).contains("api_base_denylist");
  }

  @Test
  void modelNew_defaultDenylist_refusesMetadataAndAllowsTheUpstream() throws Exception {
    try (TestGateway gw = TestGateway.start(config(""))) {
      assertDenied(gw.post("/model/new", model("m-1", "http://169.254.169.254/v1")));
      assertDenied(gw.post("/model/new", model("m-2", "http://metadata.google.internal/v1")));
      assertDenied(gw.post("/model/new", model("m-3", "http://[fd00:ec2::254]/v1")));
      assertThat(gw.gateway().registry().current().deployment("m-1")).isEmpty();

      HttpResponse<String> ok = gw.post("/model/new", model("ok-1", upstream.apiBase()));
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      HttpResponse<String> chat =
          gw.post(
              "/v1/chat/completions",
              "{\"model\":\"ui\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);

      assertDenied(
          gw.post(
              "/model/update",
              "{\"model_info\":{\"id\":\"ok-1\"},"
                  + "\"litellm_params\":{\"api_base\":\"http://169.254.170.2/v1\"}}"));
      assertThat(
              gw.gateway().registry().current().deployment("ok-1").orElseThrow().params().apiBase())
          .contains(upstream.apiBase());
    }
  }

  @Test
  void modelNew_customDenylist_resolvesNamesAndLeavesConfigModelsAlone() throws Exception {
    try (TestGateway gw = TestGateway.start(config("  api_base_denylist: [127.0.0.0/8]"))) {
      assertDenied(gw.post("/model/new", model("m-1", upstream.apiBase())));
      // localhost is a name: it is resolved (on a worker thread) and its address checked.
      assertDenied(gw.post("/model/new", model("m-2", "http://localhost:" + upstream.port())));
      // The operator wrote the config file: its model on 127.0.0.1 still serves.
      HttpResponse<String> chat =
          gw.post(
              "/v1/chat/completions",
              "{\"model\":\"cfg\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      // The default ranges no longer apply once the list is given.
      HttpResponse<String> ok = gw.post("/model/new", model("m-3", "http://169.254.169.254/v1"));
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    }
  }
}

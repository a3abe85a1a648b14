package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.routing.Deployment;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * LiteLLM's wildcard model groups on the real request path: {@code "*"} with {@code openai/*}, a
 * longer prefix winning over a shorter one, a named group winning over both, the actual model
 * priced from the catalog (or unknown, never free), and key access by wildcard.
 */
class WildcardModelsIT {
  FakeOpenAi upstream;
  TestGateway gw;

  @BeforeEach
  void start() {
    upstream = new FakeOpenAi();
    // 8 uncached input, 4 cached, 5 output tokens.
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: "*"
                litellm_params: {model: "openai/*", api_base: %1$s}
                model_info: {id: any}
              - model_name: "team-a/*"
                litellm_params: {model: "openai/*", api_base: %1$s,
                                 input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
                model_info: {id: team-a}
              - model_name: gpt-4o-mini
                litellm_params: {model: openai/gpt-4o-mini, api_base: %1$s}
                model_info: {id: named-mini}
            """
                .formatted(upstream.apiBase()));
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  HttpResponse<String> chat(String key, String model) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
            .build());
  }

  String sentModel() throws Exception {
    return Json.MAPPER.readTree(upstream.lastReceived().body()).path("model").asText();
  }

  @Test
  void star_servesAnyModel_asTheProviderModel_pricedFromTheCatalog() throws Exception {
    HttpResponse<String> r = chat(TestGateway.MASTER_KEY, "gpt-4o");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(sentModel()).isEqualTo("gpt-4o");
    assertThat(r.headers().firstValue("x-litellm-model-id")).contains("any:gpt-4o");
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("priced");
    // openai/gpt-4o: 8 x $2.50/M + 4 cached x $1.25/M + 5 x $10/M.
    assertThat(r.headers().firstValue("x-tollgate-response-cost")).contains("0.000075");
  }

  @Test
  void namedGroup_winsOverWildcards_andTheLongerPrefixOverTheShorter() throws Exception {
    HttpResponse<String> named = chat(TestGateway.MASTER_KEY, "gpt-4o-mini");
    assertThat(named.headers().firstValue("x-litellm-model-id")).contains("named-mini");

    HttpResponse<String> prefixed = chat(TestGateway.MASTER_KEY, "team-a/gpt-4o");
    assertThat(prefixed.statusCode()).as(prefixed.body()).isEqualTo(200);
    assertThat(prefixed.headers().firstValue("x-litellm-model-id")).contains("team-a:gpt-4o");
    assertThat(sentModel()).isEqualTo("gpt-4o");
    // The wildcard's own rates: 12 input x $1/M + 5 output x $2/M.
    assertThat(prefixed.headers().firstValue("x-tollgate-response-cost")).contains("0.000022");
  }

  @Test
  void modelTheCatalogDoesNotKnow_isServedAsUnknown_neverFree() throws Exception {
    HttpResponse<String> r = chat(TestGateway.MASTER_KEY, "acme-internal-model");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(sentModel()).isEqualTo("acme-internal-model");
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("unknown");
    assertThat(r.headers().firstValue("x-tollgate-response-cost")).isEmpty();

    // Resolved twice, the same model is the same concrete deployment, and the registry's own
    // deployments are untouched: nothing is written back.
    chat(TestGateway.MASTER_KEY, "acme-internal-model");
    assertThat(gw.gateway().registry().current().deployments())
        .extracting(Deployment::id)
        .containsExactly("any", "team-a", "named-mini");
    assertThat(gw.gateway().registry().current().deployment("any").orElseThrow().params().model())
        .isEqualTo("openai/*");
  }

  @Test
  void keyModels_mayListAWildcard() throws Exception {
    HttpResponse<String> made = gw.post("/key/generate", "{\"models\":[\"team-a/*\"]}");
    String key = Json.MAPPER.readTree(made.body()).path("key").asText();

    assertThat(chat(key, "team-a/gpt-4o").statusCode()).isEqualTo(200);
    HttpResponse<String> refused = chat(key, "gpt-4o");
    assertThat(refused.statusCode()).isEqualTo(401);
    JsonNode e = Json.MAPPER.readTree(refused.body()).path("error");
    assertThat(e.path("message").asText()).contains("gpt-4o").contains("team-a/*");
  }
}

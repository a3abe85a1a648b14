package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LiteLLM-format cost maps laid over the bundled catalog, from a file or a URL, and reloaded. */
class CostMapReloadIT {
  static final String MODELS =
      """
      model_list:
        - model_name: internal
          litellm_params: {model: openai/acme-internal-model, api_base: "http://127.0.0.1:1/v1"}
          model_info: {id: internal-1}
        - model_name: mini
          litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:1/v1"}
          model_info: {id: mini-1}
      """;

  static JsonNode info(TestGateway gw, String id) throws Exception {
    return Json.MAPPER
        .readTree(gw.get("/model/info?litellm_model_id=" + id).body())
        .path("data")
        .get(0)
        .path("model_info");
  }

  @Test
  void reload_fromFile_pricesAnUnknownModel_andABrokenMapKeepsThePreviousCatalog(@TempDir Path dir)
      throws Exception {
    Path map = dir.resolve("prices.json");
    Files.writeString(map, "{}");
    try (TestGateway gw =
        TestGateway.start(MODELS + "litellm_settings:\n  model_cost_map_url: " + map + "\n")) {
      assertThat(info(gw, "internal-1").path("pricing").path("state").asText())
          .isEqualTo("unknown");

      Files.writeString(
          map,
          "{\"acme-internal-model\": {\"litellm_provider\": \"openai\", \"input_cost_per_token\": 0.000004,"
              + " \"output_cost_per_token\": 0.000012, \"max_output_tokens\": 4096}}");
      HttpResponse<String> ok = gw.post("/reload/model_cost_map", "");
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      JsonNode priced = info(gw, "internal-1");
      assertThat(priced.path("pricing").path("state").asText()).isEqualTo("priced");
      assertThat(priced.path("pricing").path("source").asText()).isEqualTo("catalog");
      assertThat(priced.get("input_cost_per_token").decimalValue())
          .isEqualByComparingTo("0.000004");
      assertThat(priced.path("max_output_tokens").asLong()).isEqualTo(4096);
      // The bundled catalog is still underneath.
      assertThat(info(gw, "mini-1").get("input_cost_per_token").decimalValue())
          .isEqualByComparingTo("0.00000015");

      Files.writeString(map, "{ this is not json");
      HttpResponse<String> bad = gw.post("/reload/model_cost_map", "");
      assertThat(bad.statusCode()).isEqualTo(502);
      assertThat(Json.MAPPER.readTree(bad.body()).path("error").path("message").asText())
          .contains("previous catalog stays in use")
          .contains(map.toString());
      assertThat(info(gw, "internal-1").get("input_cost_per_token").decimalValue())
          .isEqualByComparingTo("0.000004");

      Files.delete(map);
      HttpResponse<String> missing = gw.post("/reload/model_cost_map", "");
      assertThat(missing.statusCode()).isEqualTo(502);
      assertThat(missing.body()).contains("no such file");
      assertThat(info(gw, "internal-1").path("pricing").path("state").asText()).isEqualTo("priced");
    }
  }

  @Test
  void start_fromUrlInEnvironment_laysTheMapOverTheBundle() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicReference<String> body =
        new AtomicReference<>(
            "{\"acme-internal-model\": {\"litellm_provider\": \"openai\", \"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6}}");
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                r -> r.response().putHeader("content-type", "application/json").end(body.get()));
    server
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    String url =
        "http://127.0.0.1:" + server.actualPort() + "/model_prices_and_context_window.json";
    try (TestGateway gw =
        TestGateway.start(
            MODELS,
            Map.of(
                "TOLLGATE_MASTER_KEY",
                TestGateway.MASTER_KEY,
                "LITELLM_MODEL_COST_MAP_URL",
                url))) {
      assertThat(info(gw, "internal-1").get("output_cost_per_token").decimalValue())
          .isEqualByComparingTo("0.000002");

      body.set(
          "{\"acme-internal-model\": {\"litellm_provider\": \"openai\", \"input_cost_per_token\": 3e-6, \"output_cost_per_token\": 4e-6}}");
      assertThat(gw.post("/reload/model_cost_map", "").statusCode()).isEqualTo(200);
      assertThat(info(gw, "internal-1").get("output_cost_per_token").decimalValue())
          .isEqualByComparingTo("0.000004");

      // Each reload replaces the previous map; an entry without prices is unknown, never zero.
      body.set(
          "{\"acme-internal-model\": {\"litellm_provider\": \"openai\", \"max_tokens\": 100}}");
      assertThat(gw.post("/reload/model_cost_map", "").statusCode()).isEqualTo(200);
      assertThat(info(gw, "internal-1").path("pricing").path("state").asText())
          .isEqualTo("unknown");
    } finally {
      vertx.close();
    }
  }

  @Test
  void start_unreachableMap_usesTheBundledCatalogAndKeepsServing() throws Exception {
    try (TestGateway gw =
        TestGateway.start(
            MODELS + "litellm_settings:\n  model_cost_map_url: http://127.0.0.1:1/prices.json\n")) {
      assertThat(info(gw, "mini-1").path("pricing").path("state").asText()).isEqualTo("priced");
      assertThat(info(gw, "internal-1").path("pricing").path("state").asText())
          .isEqualTo("unknown");
      HttpResponse<String> r = gw.post("/reload/model_cost_map", "");
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(r.body()).contains("127.0.0.1:1");
    }
  }

  @Test
  void reload_withoutConfiguredMap_is400() throws Exception {
    try (TestGateway gw = TestGateway.start(MODELS)) {
      HttpResponse<String> r = gw.post("/reload/model_cost_map", "");
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("model_cost_map_url");
    }
  }
}

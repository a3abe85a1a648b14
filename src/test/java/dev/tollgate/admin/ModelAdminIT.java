package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The model admin API over real HTTP, and that billing, /model/info and the headers agree. */
class ModelAdminIT {
  FakeOpenAi upstream;
  TestGateway gw;
  final List<SpendRecord> spend = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    upstream = new FakeOpenAi();
    // A real gpt-4o-mini usage: 12 prompt tokens of which 4 cached, 5 completion tokens.
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: catalog-priced
                litellm_params: {model: openai/gpt-4o-mini, api_base: %1$s}
                model_info: {id: cfg-catalog}
              - model_name: custom-priced
                litellm_params: {model: openai/gpt-4o-mini, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: cfg-custom}
              - model_name: free
                litellm_params: {model: hosted_vllm/llama-3.1-8b, api_base: %1$s,
                                 input_cost_per_token: 0, output_cost_per_token: 0}
                model_info: {id: cfg-free}
              - model_name: unknown
                litellm_params: {model: openai/acme-internal-model, api_base: %1$s}
                model_info: {id: cfg-unknown}
            router_settings:
              model_group_alias: {mini: catalog-priced}
            """
                .formatted(upstream.apiBase()),
            java.util.Map.of(
                "TOLLGATE_MASTER_KEY",
                TestGateway.MASTER_KEY,
                "TOLLGATE_SALT_KEY",
                "test-salt-key"));
    gw.gateway().onSpend(spend::add);
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  JsonNode json(HttpResponse<String> r) throws Exception {
    return Json.MAPPER.readTree(r.body());
  }

  JsonNode modelInfo(String id) throws Exception {
    HttpResponse<String> r = gw.get("/model/info?litellm_model_id=" + id);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r).path("data").get(0);
  }

  /**
   * One resolver: for every price state, the cost in the response header, the cost in the spend
   * record and the rates in /model/info and /model_group/info come from the same price.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void everyPriceState_billingHeadersAndModelInfoAgree(boolean stream) throws Exception {
    // Usage normalised: 8 uncached input, 4 cached read, 5 output.
    // catalog gpt-4o-mini: 8 * 0.00000015 + 4 * 0.000000075 + 5 * 0.0000006 = 0.0000045
    // custom (no cache rate given, completed from the catalog's 0.000000075):
    //   8 * 0.000002 + 4 * 0.000000075 + 5 * 0.00001 = 0.0000663
    record Case(
        String group,
        String id,
        String state,
        String source,
        @org.jspecify.annotations.Nullable String input,
        @org.jspecify.annotations.Nullable String cost) {}
    List<Case> cases =
        List.of(
            new Case(
                "catalog-priced", "cfg-catalog", "priced", "catalog", "0.00000015", "0.0000045"),
            new Case("custom-priced", "cfg-custom", "priced", "custom", "0.000002", "0.0000663"),
            new Case("free", "cfg-free", "free", "custom", "0", "0"),
            new Case("unknown", "cfg-unknown", "unknown", "none", null, null));
    for (Case c : cases) {
      spend.clear();
      String body =
          "{\"model\":\""
              + c.group()
              + "\",\"stream\":"
              + stream
              + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      HttpResponse<String> r = gw.post("/v1/chat/completions", body);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-tollgate-price-state")).contains(c.state());

      SpendRecord rec = awaitSpend();
      assertThat(rec.priceState()).isEqualTo(c.state());
      assertThat(rec.priceSource()).isEqualTo(c.source());
      assertThat(rec.inputTokens()).isEqualTo(8);
      assertThat(rec.cacheReadTokens()).isEqualTo(4);
      assertThat(rec.outputTokens()).isEqualTo(5);
      if (c.cost() == null) {
        assertThat(rec.costNanos()).isEmpty();
        assertThat(rec.unpriced()).isTrue();
        assertThat(r.headers().firstValue("x-tollgate-response-cost")).isEmpty();
        assertThat(r.headers().firstValue("x-litellm-response-cost")).isEmpty();
      } else {
        long nanos = new java.math.BigDecimal(c.cost()).movePointRight(9).longValueExact();
        assertThat(rec.costNanos()).hasValue(nanos);
        if (!stream) {
          assertThat(r.headers().firstValue("x-tollgate-response-cost")).contains(c.cost());
          assertThat(r.headers().firstValue("x-litellm-response-cost")).contains(c.cost());
        }
      }

      JsonNode info = modelInfo(c.id()).path("model_info");
      assertThat(info.path("pricing").path("state").asText()).isEqualTo(c.state());
      assertThat(info.path("pricing").path("source").asText()).isEqualTo(c.source());
      JsonNode group =
          json(gw.get("/model_group/info?model_group=" + c.group())).path("data").get(0);
      assertThat(group.path("pricing").path("state").asText()).isEqualTo(c.state());
      if (c.input() == null) {
        assertThat(info.get("input_cost_per_token").isNull()).isTrue();
        assertThat(info.get("output_cost_per_token").isNull()).isTrue();
        assertThat(group.get("input_cost_per_token").isNull()).isTrue();
      } else {
        assertThat(info.get("input_cost_per_token").decimalValue()).isEqualByComparingTo(c.input());
        assertThat(group.get("input_cost_per_token").decimalValue())
            .isEqualByComparingTo(c.input());
      }
    }
  }

  @Test
  void sameUsage_costsTheSameStreamedOrNot() throws Exception {
    String body =
        "{\"model\":\"custom-priced\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    gw.post("/v1/chat/completions", body + "}");
    SpendRecord plain = awaitSpend();
    spend.clear();
    gw.post("/v1/chat/completions", body + ",\"stream\":true}");
    SpendRecord streamed = awaitSpend();
    assertThat(streamed.stream()).isTrue();
    assertThat(plain.stream()).isFalse();
    assertThat(streamed.costNanos()).isPresent().isEqualTo(plain.costNanos());
  }

  @Test
  void modelNew_thenInfo_showsPriceAndHidesSecrets() throws Exception {
    HttpResponse<String> r =
        gw.post(
            "/model/new",
            """
            {"model_name": "ui-model",
             "litellm_params": {"model": "openai/acme-internal-model", "api_base": "%s",
                                "api_key": "sk-very-secret"},
             "model_info": {"id": "ui-1"}}
            """
                .formatted(upstream.apiBase()));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).doesNotContain("sk-very-secret");
    JsonNode created = json(r);
    assertThat(created.path("model_info").path("id").asText()).isEqualTo("ui-1");
    assertThat(created.path("model_info").path("db_model").asBoolean()).isTrue();
    assertThat(created.path("model_info").path("pricing").path("state").asText())
        .isEqualTo("unknown");
    assertThat(created.path("model_info").get("input_cost_per_token").isNull()).isTrue();

    HttpResponse<String> all = gw.get("/v1/model/info");
    assertThat(all.body()).doesNotContain("sk-very-secret").contains("ui-1");
    assertThat(json(gw.get("/pricing/unknown")).path("data").findValuesAsText("id"))
        .containsExactlyInAnyOrder("cfg-unknown", "ui-1");

    // The new model serves at once, and the upstream receives the secret key.
    assertThat(
            gw.post(
                    "/v1/chat/completions",
                    "{\"model\":\"ui-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .statusCode())
        .isEqualTo(200);
    assertThat(upstream.lastReceived().headers().get("authorization"))
        .isEqualTo("Bearer sk-very-secret");
  }

  /** The LiteLLM bug: a UI-created model without pricing, updated again and again. */
  @Test
  void modelUpdate_aThousandTimes_unknownStaysUnknownAndBillingStaysUnpriced() throws Exception {
    gw.post(
        "/model/new",
        "{\"model_name\":\"ui-model\",\"litellm_params\":{\"model\":\"openai/acme-internal-model\",\"api_base\":\""
            + upstream.apiBase()
            + "\"},\"model_info\":{\"id\":\"ui-1\"}}");
    for (int i = 0; i < 1000; i++) {
      HttpResponse<String> u =
          i % 2 == 0
              ? gw.post(
                  "/model/update",
                  "{\"model_info\":{\"id\":\"ui-1\",\"description\":\"edit " + i + "\"}}")
              : gw.send(
                  HttpRequest.newBuilder(gw.uri("/model/ui-1/update"))
                      .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
                      .method(
                          "PATCH",
                          HttpRequest.BodyPublishers.ofString(
                              "{\"litellm_params\":{\"timeout\":" + (30 + i % 7) + "}}"))
                      .build());
      assertThat(u.statusCode()).as(u.body()).isEqualTo(200);
    }
    JsonNode info = modelInfo("ui-1").path("model_info");
    assertThat(info.path("pricing").path("state").asText()).isEqualTo("unknown");
    assertThat(info.get("input_cost_per_token").isNull()).isTrue();
    assertThat(info.path("description").asText()).isEqualTo("edit 998");

    spend.clear();
    gw.post(
        "/v1/chat/completions",
        "{\"model\":\"ui-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    SpendRecord rec = awaitSpend();
    assertThat(rec.unpriced()).isTrue();
    assertThat(rec.costNanos()).isEmpty();
  }

  @Test
  void modelUpdate_addingCustomPrices_takesEffectForTheNextRequest() throws Exception {
    gw.post(
        "/model/new",
        "{\"model_name\":\"ui-model\",\"litellm_params\":{\"model\":\"openai/acme-internal-model\",\"api_base\":\""
            + upstream.apiBase()
            + "\"},\"model_info\":{\"id\":\"ui-1\"}}");
    HttpResponse<String> u =
        gw.post(
            "/model/update",
            "{\"model_info\":{\"id\":\"ui-1\"},\"litellm_params\":{\"input_cost_per_token\":\"0.000001\",\"output_cost_per_token\":0.000003}}");
    assertThat(u.statusCode()).as(u.body()).isEqualTo(200);
    assertThat(json(u).path("model_info").path("pricing").path("source").asText())
        .isEqualTo("custom");
    HttpResponse<String> r =
        gw.post(
            "/v1/chat/completions",
            "{\"model\":\"ui-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    // 8 * 0.000001 + 4 cached at the input rate (no cache rate anywhere) + 5 * 0.000003 = 0.000027
    assertThat(r.headers().firstValue("x-tollgate-response-cost")).contains("0.000027");
  }

  @Test
  void modelNew_badInput_is400NamingTheField_andNothingIsWritten() throws Exception {
    String[][] cases = {
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/x\",\"input_cost_per_token\":-1,\"output_cost_per_token\":0}}",
        "input_cost_per_token",
        "must not be negative"
      },
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/x\",\"input_cost_per_token\":\"cheap\",\"output_cost_per_token\":0}}",
        "input_cost_per_token",
        "must be a number"
      },
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/x\",\"temprature\":1}}",
        null,
        "temprature"
      },
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/x\"},\"colour\":\"red\"}",
        "colour",
        "unknown field"
      },
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/x\",\"input_cost_per_token\":0.000001}}",
        "litellm_params",
        "output_cost_per_token"
      },
      {"{\"litellm_params\":{\"model\":\"openai/x\"}}", "model_name", "is required"},
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"nosuchprovider/x\"}}",
        "litellm_params.model",
        "not supported"
      },
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"hosted_vllm/llama\"}}",
        "litellm_params.api_base",
        "api_base"
      },
      {"not json", null, "not valid JSON"},
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/x\",\"api_key\":\"sk-a\\r\\nX-Evil: 1\"}}",
        "litellm_params.api_key",
        "line break"
      },
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/x\",\"api_base\":\"https://bob:s3cret-pass@example.com/v1\"}}",
        "litellm_params.api_base",
        "must not carry credentials"
      },
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"anthropic/x\",\"extra_headers\":{\"anthropic-beta\":\"a\\nb\"}}}",
        "litellm_params.extra_headers.anthropic-beta",
        "line break"
      },
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/x\",\"input_cost_per_token\":1e1000000,\"output_cost_per_token\":0}}",
        "input_cost_per_token",
        "at most 1 USD"
      },
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/x\",\"input_cost_per_token\":0,\"output_cost_per_token\":1e-1000000}}",
        "output_cost_per_token",
        "decimal places"
      },
      {
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/x\",\"input_cost_per_token\":0,\"output_cost_per_token\":0,\"max_budget\":1e100}}",
        "max_budget",
        ""
      },
    };
    int before = json(gw.get("/model/info")).path("data").size();
    for (String[] c : cases) {
      HttpResponse<String> r = gw.post("/model/new", c[0]);
      assertThat(r.statusCode()).as(c[0] + " -> " + r.body()).isEqualTo(400);
      JsonNode err = json(r).path("error");
      assertThat(err.path("message").asText()).contains(c[2]);
      assertThat(r.body()).doesNotContain("s3cret-pass");
      if (c[1] != null) {
        assertThat(err.path("param").asText()).contains(c[1]);
      }
    }
    assertThat(json(gw.get("/model/info")).path("data").size()).isEqualTo(before);
  }

  @Test
  void modelNew_duplicateId_is409() throws Exception {
    String body =
        "{\"model_name\":\"x\",\"litellm_params\":{\"model\":\"openai/gpt-4o-mini\"},\"model_info\":{\"id\":\"dup\"}}";
    assertThat(gw.post("/model/new", body).statusCode()).isEqualTo(200);
    assertThat(gw.post("/model/new", body).statusCode()).isEqualTo(409);
    assertThat(gw.post("/model/new", body.replace("dup", "cfg-free")).statusCode()).isEqualTo(409);
  }

  @Test
  void modelUpdateAndDelete_missingId_is404_configModel_is400() throws Exception {
    assertThat(gw.post("/model/update", "{\"model_info\":{\"id\":\"nope\"}}").statusCode())
        .isEqualTo(404);
    assertThat(gw.post("/model/delete", "{\"id\":\"nope\"}").statusCode()).isEqualTo(404);
    HttpResponse<String> cfg = gw.post("/model/delete", "{\"id\":\"cfg-free\"}");
    assertThat(cfg.statusCode()).isEqualTo(400);
    assertThat(cfg.body()).contains("config file");
    assertThat(gw.post("/model/update", "{\"litellm_params\":{}}").statusCode()).isEqualTo(400);
  }

  @Test
  void modelDelete_whileInUse_letsTheInFlightRequestFinish() throws Exception {
    gw.post(
        "/model/new",
        "{\"model_name\":\"held\",\"litellm_params\":{\"model\":\"openai/gpt-4o-mini\",\"api_base\":\""
            + upstream.apiBase()
            + "\"},\"model_info\":{\"id\":\"held-1\"}}");
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    upstream.enqueue(new FakeOpenAi.Held(release));
    int seen = upstream.received().size();
    CompletableFuture<HttpResponse<String>> inFlight =
        CompletableFuture.supplyAsync(
            () ->
                gw.post(
                    "/v1/chat/completions",
                    "{\"model\":\"held\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
    // The upstream holds the request: it is in flight on the snapshot it started with.
    while (upstream.received().size() == seen) {
      Thread.onSpinWait();
    }
    HttpResponse<String> del = gw.post("/model/delete", "{\"id\":\"held-1\"}");
    assertThat(del.statusCode()).as(del.body()).isEqualTo(200);
    release.countDown();
    HttpResponse<String> r = inFlight.get();
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-litellm-model-id")).contains("held-1");
    assertThat(
            gw.post(
                    "/v1/chat/completions",
                    "{\"model\":\"held\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .statusCode())
        .isEqualTo(404);
  }

  @Test
  void adminRoutes_requireTheMasterKey() {
    HttpResponse<String> r =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/model/info"))
                .header("Authorization", "Bearer sk-nope")
                .GET()
                .build());
    assertThat(r.statusCode()).isEqualTo(401);
    HttpResponse<String> n =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/model/new"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
    assertThat(n.statusCode()).isEqualTo(401);
  }

  @Test
  void modelGroupInfo_showsAliasesAndDeployments() throws Exception {
    JsonNode g = json(gw.get("/model_group/info?model_group=catalog-priced")).path("data").get(0);
    assertThat(g.path("aliases").get(0).asText()).isEqualTo("mini");
    assertThat(g.path("deployments").get(0).path("id").asText()).isEqualTo("cfg-catalog");
    assertThat(g.path("max_output_tokens").asLong()).isEqualTo(16384);
    assertThat(gw.get("/model_group/info?model_group=nope").statusCode()).isEqualTo(404);
  }

  SpendRecord awaitSpend() throws InterruptedException {
    for (int i = 0; i < 500 && spend.isEmpty(); i++) {
      Thread.sleep(10);
    }
    assertThat(spend).as("a spend record").hasSize(1);
    return spend.get(0);
  }
}

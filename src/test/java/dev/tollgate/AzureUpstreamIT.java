package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeAzure;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway in front of Azure OpenAI: {@code azure/<deployment>} deployments with an api-key,
 * with Azure AD client credentials, priced from {@code base_model} or from the deployment name, and
 * unpriced; chat (streamed and not), embeddings, Azure's errors passed through, and the price state
 * each one shows.
 */
class AzureUpstreamIT {
  private static final String SECRET = "s3cret~value";

  private static FakeAzure azure;
  private static TestGateway gw;
  private static final List<SpendRecord> spend = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    azure =
        new FakeAzure()
            .deployment("gpt-4o-prod")
            .deployment("mini-ad")
            .deployment("my-custom")
            .deployment("text-embedding-3-small")
            .apiKey("azure-key")
            .app("tenant-1", "client-1", SECRET);
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: az-key
                litellm_params:
                  model: azure/gpt-4o-prod
                  api_base: %1$s
                  api_key: os.environ/AZURE_API_KEY
                  api_version: "2024-10-21"
                model_info: {id: az-key, base_model: azure/gpt-4o}
              - model_name: az-ad
                litellm_params:
                  model: azure/mini-ad
                  api_base: %1$s
                  api_version: "2024-10-21"
                  tenant_id: tenant-1
                  client_id: client-1
                  client_secret: os.environ/AZURE_CLIENT_SECRET
                  azure_authority_host: %1$s
                model_info: {id: az-ad, base_model: gpt-4o-mini}
              - model_name: az-unpriced
                litellm_params:
                  model: azure/my-custom
                  api_base: %1$s
                  api_key: os.environ/AZURE_API_KEY
                  api_version: v1
                model_info: {id: az-unpriced}
              - model_name: az-embed
                litellm_params:
                  model: azure/text-embedding-3-small
                  api_base: %1$s
                  api_key: os.environ/AZURE_API_KEY
                  api_version: "2024-10-21"
                model_info: {id: az-embed}
              - model_name: az-not-deployed
                litellm_params:
                  model: azure/not-deployed
                  api_base: %1$s
                  api_key: os.environ/AZURE_API_KEY
                  api_version: "2024-10-21"
                model_info: {id: az-not-deployed, base_model: azure/gpt-4o}
              - model_name: az-wrong-key
                litellm_params:
                  model: azure/gpt-4o-prod
                  api_base: %1$s
                  api_key: not-the-key
                  api_version: "2024-10-21"
                model_info: {id: az-wrong-key, base_model: azure/gpt-4o}
              - model_name: az-limited
                litellm_params:
                  model: azure/gpt-4o-prod
                  api_base: %1$s
                  api_key: os.environ/AZURE_API_KEY
                  api_version: "2024-10-21"
                model_info: {id: az-limited, base_model: azure/gpt-4o}
            router_settings:
              num_retries: 0
            """
                .formatted(azure.endpoint()),
            Map.of(
                "TOLLGATE_MASTER_KEY",
                TestGateway.MASTER_KEY,
                "AZURE_API_KEY",
                "azure-key",
                "AZURE_CLIENT_SECRET",
                SECRET));
    gw.gateway().onSpend(spend::add);
  }

  @AfterAll
  static void stop() {
    gw.close();
    azure.close();
  }

  @BeforeEach
  void reset() {
    spend.clear();
    azure.openAi().fallback(new FakeOpenAi.Normal(12, 5, 0));
  }

  private static String chat(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  /** gpt-4o on Azure: 12 * 0.0000025 + 5 * 0.00001. */
  private static final BigDecimal GPT_4O_COST = new BigDecimal("0.00008");

  @Test
  void chat_apiKey_sentByDeploymentAndPricedFromBaseModel() throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions", chat("az-key", false));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertThat(body.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello there");
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("priced");
    assertThat(new BigDecimal(r.headers().firstValue("x-tollgate-response-cost").orElseThrow()))
        .isEqualByComparingTo(GPT_4O_COST);
    FakeAzure.Received got = azure.lastReceived();
    assertThat(got.path()).isEqualTo("/openai/deployments/gpt-4o-prod/chat/completions");
    assertThat(got.query()).isEqualTo("api-version=2024-10-21");
    assertThat(got.headers().get("api-key")).isEqualTo("azure-key");
    assertThat(got.headers()).doesNotContainKey("authorization");
    assertThat(got.body()).contains("\"model\":\"gpt-4o-prod\"");
    SpendRecord rec = awaitSpend();
    assertThat(rec.costNanos()).hasValue(GPT_4O_COST.movePointRight(9).longValueExact());
  }

  @Test
  void chat_stream_relayedWithUsageAndCost() throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions", chat("az-key", true));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    assertThat(r.body()).contains("\"content\":\"Hello\"").endsWith("data: [DONE]\n\n");
    assertThat(r.body())
        .as("the usage chunk the client did not ask for")
        .doesNotContain("\"usage\":{");
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("priced");
    assertThat(azure.lastReceived().body()).contains("\"include_usage\":true");
    SpendRecord rec = awaitSpend();
    assertThat(rec.inputTokens()).isEqualTo(12);
    assertThat(rec.outputTokens()).isEqualTo(5);
    assertThat(rec.costNanos()).hasValue(GPT_4O_COST.movePointRight(9).longValueExact());
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void chat_adClientCredentials_oneTokenForManyCallsPricedFromBareBaseModel(boolean stream)
      throws Exception {
    for (int i = 0; i < 3; i++) {
      spend.clear();
      HttpResponse<String> r = gw.post("/v1/chat/completions", chat("az-ad", stream));

      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("priced");
      FakeAzure.Received got = azure.lastReceived();
      assertThat(got.path()).isEqualTo("/openai/deployments/mini-ad/chat/completions");
      assertThat(got.headers().get("authorization")).startsWith("Bearer fake-aad-token-");
      assertThat(got.headers()).doesNotContainKey("api-key");
      // gpt-4o-mini on Azure: 12 * 0.000000165 + 5 * 0.00000066 = 0.00000528
      assertThat(awaitSpend().costNanos()).hasValue(5_280L);
    }
    assertThat(azure.tokensIssued()).as("one token for every call, streamed or not").isEqualTo(1);
  }

  @Test
  void embeddings_pricedFromTheDeploymentNameItself() throws Exception {
    HttpResponse<String> r =
        gw.post("/v1/embeddings", "{\"model\":\"az-embed\",\"input\":\"hello world\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(r.body()).path("data").get(0).path("embedding").size())
        .isEqualTo(3);
    assertThat(azure.lastReceived().path())
        .isEqualTo("/openai/deployments/text-embedding-3-small/embeddings");
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("priced");
    // azure/text-embedding-3-small: 12 * 0.00000002
    assertThat(new BigDecimal(r.headers().firstValue("x-tollgate-response-cost").orElseThrow()))
        .isEqualByComparingTo("0.00000024");
  }

  @Test
  void chat_noBaseModel_unknownPriceNeverFree() throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions", chat("az-unpriced", false));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("unknown");
    assertThat(r.headers().firstValue("x-tollgate-response-cost")).isEmpty();
    FakeAzure.Received got = azure.lastReceived();
    assertThat(got.path()).as("the v1 API").isEqualTo("/openai/v1/chat/completions");
    assertThat(got.query()).isNull();
    assertThat(got.body()).contains("\"model\":\"my-custom\"");
    SpendRecord rec = awaitSpend();
    assertThat(rec.priceState()).isEqualTo("unknown");
    assertThat(rec.unpriced()).isTrue();

    JsonNode info = modelInfo("az-unpriced").path("model_info");
    assertThat(info.path("pricing").path("state").asText()).isEqualTo("unknown");
    assertThat(info.get("input_cost_per_token").isNull()).isTrue();
    assertThat(info.get("output_cost_per_token").isNull()).isTrue();
  }

  @Test
  void modelInfo_pricedFromBaseModel_andNoSecretRendered() throws Exception {
    JsonNode key = modelInfo("az-key");
    assertThat(key.path("model_info").path("pricing").path("state").asText()).isEqualTo("priced");
    assertThat(key.path("model_info").get("input_cost_per_token").decimalValue())
        .isEqualByComparingTo("0.0000025");

    JsonNode ad = modelInfo("az-ad");
    assertThat(ad.path("litellm_params").path("tenant_id").asText()).isEqualTo("tenant-1");
    assertThat(ad.path("litellm_params").has("client_secret")).isFalse();
    assertThat(ad.toString()).doesNotContain(SECRET);
    assertThat(key.toString()).doesNotContain("azure-key");
  }

  @Test
  void errors_azureBodiesPassedThrough() throws Exception {
    HttpResponse<String> missing = gw.post("/v1/chat/completions", chat("az-not-deployed", false));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(Json.MAPPER.readTree(missing.body()).path("error").path("code").asText())
        .isEqualTo("DeploymentNotFound");

    HttpResponse<String> wrongKey = gw.post("/v1/chat/completions", chat("az-wrong-key", false));
    assertThat(wrongKey.statusCode()).isEqualTo(401);
    assertThat(Json.MAPPER.readTree(wrongKey.body()).path("error").path("message").asText())
        .startsWith("Access denied due to invalid subscription key");

    azure
        .openAi()
        .enqueue(
            new FakeOpenAi.Error(
                429,
                "application/json",
                "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the ChatCompletions"
                    + " Operation have exceeded the rate limit.\"}}"));
    HttpResponse<String> limited = gw.post("/v1/chat/completions", chat("az-limited", false));
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.body()).contains("have exceeded the rate limit");
  }

  private static JsonNode modelInfo(String id) throws Exception {
    HttpResponse<String> r = gw.get("/model/info?litellm_model_id=" + id);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("data").get(0);
  }

  private static SpendRecord awaitSpend() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (spend.isEmpty()) {
      assertThat(System.nanoTime()).as("a spend record").isLessThan(deadline);
      Thread.sleep(5);
    }
    return spend.get(0);
  }
}

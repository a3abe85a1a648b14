package dev.tollgate.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.DeploymentConfig;
import dev.tollgate.config.Environment;
import dev.tollgate.config.RouterSettings;
import dev.tollgate.pricing.Price;
import dev.tollgate.routing.Cooldowns;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.ModelRegistry;
import dev.tollgate.routing.RegistryHolder;
import dev.tollgate.routing.Routing;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeAzure;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /health} over real HTTP, against fake upstreams that answer, fail, refuse the key (and
 * echo it), refuse the connection and hang: the exact answer, that no credential appears in it,
 * that only an admin may ask, what each check sends, what its spend record holds and that no budget
 * moves, and the background checks.
 */
class HealthIT {
  static final String OK_KEY = "sk-ok-secret-1111";
  static final String FIVE_KEY = "sk-five-secret-2222";
  static final String ECHO_KEY = "sk-echo-secret-3333";
  static final String REFUSED_KEY = "sk-refused-secret-4444";
  static final String SLOW_KEY = "sk-slow-secret-5555";
  static final String ANTHROPIC_KEY = "sk-ant-secret-6666";
  static final String AZURE_KEY = "azure-key-secret-7777";
  static final String AZURE_APP_SECRET = "azure-app-secret-8888";
  static final String AWS_SECRET = "aws-secret-access-key-9999";
  static final List<String> SECRETS =
      List.of(
          OK_KEY,
          FIVE_KEY,
          ECHO_KEY,
          REFUSED_KEY,
          SLOW_KEY,
          ANTHROPIC_KEY,
          AZURE_KEY,
          AZURE_APP_SECRET,
          AWS_SECRET);

  /** The fake's default answer at 1 and 2 micro-USD per token: 12 prompt, 5 completion tokens. */
  static final long OK_COST = 12 * 1_000L + 5 * 2_000L;

  final List<AutoCloseable> open = new ArrayList<>();
  final List<SpendRecord> records = new CopyOnWriteArrayList<>();
  @Nullable TestGateway gw;

  @AfterEach
  void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  <T extends AutoCloseable> T open(T c) {
    open.add(c);
    return c;
  }

  TestGateway gw() {
    return java.util.Objects.requireNonNull(gw, "gateway not started");
  }

  TestGateway start(String yaml) {
    TestGateway g =
        TestGateway.start(
            yaml,
            Map.of(
                "TOLLGATE_MASTER_KEY",
                TestGateway.MASTER_KEY,
                "AZURE_APP_SECRET",
                AZURE_APP_SECRET,
                "AWS_SECRET",
                AWS_SECRET));
    g.gateway().onSpend(records::add);
    gw = g;
    return g;
  }

  HttpResponse<String> health(String query, @Nullable String key) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gw().uri("/health" + query)).GET();
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return gw().send(b.build());
  }

  JsonNode healthJson(String query) throws IOException {
    HttpResponse<String> r = health(query, TestGateway.MASTER_KEY);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).contains("application/json");
    return Json.MAPPER.readTree(r.body());
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static List<String> ids(JsonNode endpoints) {
    List<String> out = new ArrayList<>();
    endpoints.forEach(e -> out.add(e.path("model_id").asText()));
    return out;
  }

  static JsonNode endpoint(JsonNode answer, String id) {
    for (String list : List.of("healthy_endpoints", "unhealthy_endpoints")) {
      for (JsonNode e : answer.path(list)) {
        if (e.path("model_id").asText().equals(id)) {
          return e;
        }
      }
    }
    throw new AssertionError("no endpoint " + id + " in " + answer);
  }

  static JsonNode json(String text) throws IOException {
    return Json.MAPPER.readTree(text);
  }

  /** The upstreams of {@link #mixed}: one per way a deployment can be healthy or not. */
  record Upstreams(
      FakeOpenAi ok,
      FakeOpenAi five,
      FakeOpenAi echo,
      FakeOpenAi slow,
      int dead,
      FakeAnthropic anthropic,
      FakeAzure azure) {}

  Upstreams upstreams() throws IOException {
    FakeOpenAi five = open(new FakeOpenAi());
    five.fallback(
        new FakeOpenAi.Error(
            500,
            "application/json",
            "{\"error\":{\"message\":\"the server had an error\",\"type\":\"server_error\"}}"));
    FakeOpenAi echo = open(new FakeOpenAi());
    echo.fallback(
        new FakeOpenAi.Error(
            401,
            "application/json",
            "{\"error\":{\"message\":\"Incorrect API key provided: "
                + ECHO_KEY
                + ". You sent Bearer "
                + ECHO_KEY
                + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));
    FakeOpenAi slow = open(new FakeOpenAi());
    slow.fallback(new FakeOpenAi.Hang());
    FakeAzure azure =
        open(new FakeAzure())
            .deployment("gpt-4o-prod")
            .apiKey(AZURE_KEY)
            .app("tenant-1", "client-1", AZURE_APP_SECRET);
    return new Upstreams(
        open(new FakeOpenAi()), five, echo, slow, deadPort(), open(new FakeAnthropic()), azure);
  }

  /**
   * One deployment (and group) per way a check can end: answered ({@code ok}, {@code claude},
   * {@code az}, {@code az-ad}); HTTP 500; HTTP 401 echoing the key; connection refused; no answer
   * within its 1 s {@code health_check_timeout}; a provider Tollgate does not speak.
   */
  static String mixed(Upstreams u) {
    return """
        model_list:
          - model_name: ok
            litellm_params: {model: openai/gpt-x, api_base: %1$s, api_key: %8$s, rpm: 60,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
            model_info: {id: ok}
          - model_name: five
            litellm_params: {model: openai/gpt-x, api_base: %2$s, api_key: %9$s,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
            model_info: {id: five}
          - model_name: echo
            litellm_params: {model: openai/gpt-x, api_base: %3$s, api_key: %10$s}
            model_info: {id: echo}
          - model_name: refused
            litellm_params: {model: openai/gpt-x, api_base: 'http://127.0.0.1:%5$d/v1',
                             api_key: %11$s}
            model_info: {id: refused}
          - model_name: slow
            litellm_params: {model: openai/gpt-x, api_base: %4$s, api_key: %12$s,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
            model_info: {id: slow, health_check_timeout: 1}
          - model_name: claude
            litellm_params: {model: anthropic/claude-haiku-4-5, api_base: %6$s, api_key: %13$s}
            model_info: {id: claude}
          - model_name: az
            litellm_params: {model: azure/gpt-4o-prod, api_base: %7$s, api_key: %14$s,
                             api_version: "2024-10-21"}
            model_info: {id: az, base_model: azure/gpt-4o}
          - model_name: az-ad
            litellm_params: {model: azure/gpt-4o-prod, api_base: %7$s, api_version: "2024-10-21",
                             tenant_id: tenant-1, client_id: client-1,
                             client_secret: os.environ/AZURE_APP_SECRET,
                             azure_authority_host: %7$s, base_model: azure/gpt-4o}
            model_info: {id: az-ad}
          - model_name: sagemaker
            litellm_params: {model: sagemaker/jumpstart-dft-llama-2, aws_region_name: us-east-1,
                             aws_access_key_id: AKIAEXAMPLE,
                             aws_secret_access_key: os.environ/AWS_SECRET}
            model_info: {id: sagemaker}
        router_settings:
          num_retries: 0
        """
        .formatted(
            u.ok().apiBase(),
            u.five().apiBase(),
            u.echo().apiBase(),
            u.slow().apiBase(),
            u.dead(),
            u.anthropic().apiBase(),
            u.azure().endpoint(),
            OK_KEY,
            FIVE_KEY,
            ECHO_KEY,
            REFUSED_KEY,
            SLOW_KEY,
            ANTHROPIC_KEY,
            AZURE_KEY);
  }

  @Test
  void health_mixedDeployments_exactShapeAndCounts() throws Exception {
    Upstreams u = upstreams();
    start(mixed(u));

    JsonNode answer = healthJson("");

    assertThat(answer.properties())
        .extracting(Map.Entry::getKey)
        .containsExactly(
            "healthy_endpoints", "unhealthy_endpoints", "healthy_count", "unhealthy_count");
    assertThat(ids(answer.path("healthy_endpoints")))
        .containsExactlyInAnyOrder("ok", "claude", "az", "az-ad");
    assertThat(ids(answer.path("unhealthy_endpoints")))
        .containsExactlyInAnyOrder("five", "echo", "refused", "slow", "sagemaker");
    assertThat(answer.path("healthy_count").asInt()).isEqualTo(4);
    assertThat(answer.path("unhealthy_count").asInt()).isEqualTo(5);
    assertThat(endpoint(answer, "ok"))
        .isEqualTo(
            json(
                "{\"model\":\"openai/gpt-x\",\"api_base\":\""
                    + u.ok().apiBase()
                    + "\",\"rpm\":60,\"model_id\":\"ok\"}"));
    assertThat(endpoint(answer, "az-ad"))
        .isEqualTo(
            json(
                "{\"model\":\"azure/gpt-4o-prod\",\"api_base\":\""
                    + u.azure().endpoint()
                    + "\",\"api_version\":\"2024-10-21\",\"base_model\":\"azure/gpt-4o\","
                    + "\"model_id\":\"az-ad\"}"));
    assertThat(endpoint(answer, "five"))
        .isEqualTo(
            json(
                "{\"model\":\"openai/gpt-x\",\"api_base\":\""
                    + u.five().apiBase()
                    + "\",\"model_id\":\"five\","
                    + "\"error\":\"upstream returned HTTP 500: the server had an error\"}"));
    assertThat(endpoint(answer, "echo").path("error").asText())
        .isEqualTo(
            "upstream returned HTTP 401: Incorrect API key provided: [redacted]."
                + " You sent Bearer [redacted]");
    assertThat(endpoint(answer, "refused").path("error").asText())
        .startsWith("could not connect to the upstream of deployment refused");
    assertThat(endpoint(answer, "slow").path("error").asText()).contains("1000 ms");
    assertThat(endpoint(answer, "sagemaker"))
        .isEqualTo(
            json(
                "{\"model\":\"sagemaker/jumpstart-dft-llama-2\",\"aws_region_name\":\"us-east-1\","
                    + "\"model_id\":\"sagemaker\",\"error\":\"provider 'sagemaker' is not supported by"
                    + " this version of Tollgate\"}"));
    assertThat(u.ok().received()).hasSize(1);
    assertThat(u.five().received()).hasSize(1);
    assertThat(u.echo().received()).hasSize(1);
    assertThat(u.slow().received()).hasSize(1);
  }

  @Test
  void health_upstreamEchoesTheKey_noCredentialAnywhereInTheAnswer() throws Exception {
    Upstreams u = upstreams();
    start(mixed(u));

    HttpResponse<String> r = health("", TestGateway.MASTER_KEY);

    assertThat(r.statusCode()).isEqualTo(200);
    // The upstream did echo the key it was sent: the gateway is what keeps it out.
    assertThat(u.echo().lastReceived().headers().get("authorization"))
        .isEqualTo("Bearer " + ECHO_KEY);
    for (String secret : SECRETS) {
      assertThat(r.body()).as("the answer holds a credential").doesNotContain(secret);
    }
    assertThat(r.body()).doesNotContain("AKIAEXAMPLE").doesNotContain("client-1");
    assertThat(r.body()).contains("[redacted]");
  }

  @Test
  void health_eachProviderCheckedInItsOwnWireFormat() throws Exception {
    Upstreams u = upstreams();
    start(mixed(u));

    healthJson("");

    JsonNode openai = json(u.ok().lastReceived().body());
    assertThat(u.ok().lastReceived().path()).isEqualTo("/v1/chat/completions");
    assertThat(openai.path("model").asText()).isEqualTo("gpt-x");
    assertThat(openai.path("max_tokens").asInt()).isEqualTo(16);
    assertThat(openai.path("messages").get(0).path("content").asText()).isEqualTo(Probe.PROMPT);
    assertThat(openai.path("stream").asBoolean(false)).isFalse();

    FakeAnthropic.Received claude = u.anthropic().lastReceived();
    assertThat(claude.path()).isEqualTo("/v1/messages");
    assertThat(claude.headers().get("x-api-key")).isEqualTo(ANTHROPIC_KEY);
    assertThat(claude.json().path("model").asText()).isEqualTo("claude-haiku-4-5");
    assertThat(claude.json().path("max_tokens").asInt()).isEqualTo(16);

    List<FakeAzure.Received> azure = u.azure().received();
    assertThat(azure)
        .extracting(FakeAzure.Received::path)
        .containsOnly("/openai/deployments/gpt-4o-prod/chat/completions")
        .hasSize(2);
    assertThat(azure)
        .extracting(a -> a.headers().get("api-key"))
        .containsExactlyInAnyOrder(AZURE_KEY, null);
    assertThat(u.azure().tokensIssued()).isEqualTo(1);
  }

  @Test
  void health_nonAdminKey_refusedWithoutCallingAnyUpstream() throws Exception {
    FakeOpenAi ok = open(new FakeOpenAi());
    start(
        """
        model_list:
          - model_name: ok
            litellm_params: {model: openai/gpt-x, api_base: %s}
        """
            .formatted(ok.apiBase()));
    HttpResponse<String> generated = gw().post("/key/generate", "{\"key_alias\":\"user\"}");
    assertThat(generated.statusCode()).as(generated.body()).isEqualTo(200);
    String key = json(generated.body()).path("key").asText();

    HttpResponse<String> user = health("", key);
    HttpResponse<String> nobody = health("", null);
    HttpResponse<String> wrong = health("", "sk-not-a-key");

    assertThat(user.statusCode()).isEqualTo(403);
    assertThat(json(user.body()).path("error").path("type").asText()).isEqualTo("permission_error");
    assertThat(nobody.statusCode()).isEqualTo(401);
    assertThat(json(nobody.body()).path("error").path("type").asText())
        .isEqualTo("authentication_error");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(ok.received()).isEmpty();
    assertThat(records).isEmpty();
    assertThat(healthJson("").path("healthy_count").asInt()).isEqualTo(1);
  }

  @Test
  void health_spend_aSystemRecordPerCallAtTheDeploymentsPrice_noBudgetMoves() throws Exception {
    Upstreams u = upstreams();
    start(mixed(u));
    HttpResponse<String> generated = gw().post("/key/generate", "{\"key_alias\":\"user\"}");
    String key = json(generated.body()).path("key").asText();
    HttpResponse<String> chat =
        gw().send(
                HttpRequest.newBuilder(gw().uri("/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key)
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"ok\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build());
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    await(() -> records.size() == 1, "the key's request recorded");
    await(
        () -> gw().gateway().enforcer().globalBudget().spendNanos() == OK_COST,
        "the key's request settled");

    healthJson("");

    // Every deployment that was called: all but the one whose provider is not supported.
    await(() -> records.size() == 9, "a spend record per health check");
    List<SpendRecord> checks =
        records.stream()
            .filter(r -> r.keyHash().equals(SpendRecord.HEALTH_CHECK_KEY_HASH))
            .toList();
    assertThat(checks)
        .hasSize(8)
        .allSatisfy(
            r -> {
              assertThat(r.system()).isTrue();
              assertThat(r.userId()).isEmpty();
              assertThat(r.teamId()).isEmpty();
              assertThat(r.tags()).containsExactly(SpendRecord.HEALTH_CHECK_KEY_HASH);
              assertThat(r.stream()).isFalse();
            })
        .extracting(r -> r.deploymentId().orElseThrow())
        .containsExactlyInAnyOrder(
            "ok", "five", "echo", "refused", "slow", "claude", "az", "az-ad");
    SpendRecord ok = check(checks, "ok");
    assertThat(ok.costNanos()).isEqualTo(OptionalLong.of(OK_COST));
    assertThat(ok.usageSource()).isEqualTo(UsageSource.PROVIDER);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.modelGroup()).isEqualTo("ok");
    assertThat(ok.providerModel()).contains("openai/gpt-x");
    SpendRecord five = check(checks, "five");
    assertThat(five.costNanos()).as("refused upstream, priced").isEqualTo(OptionalLong.of(0));
    assertThat(five.status()).isEqualTo(502);
    SpendRecord refused = check(checks, "refused");
    assertThat(refused.costNanos()).as("price unknown: never 0").isEmpty();
    assertThat(refused.priceState()).isEqualTo(Price.UNKNOWN.state());
    // The slow one had the prompt when it timed out: charged at its bounds, as a request is.
    SpendRecord slow = check(checks, "slow");
    assertThat(slow.status()).isEqualTo(504);
    assertThat(slow.usageSource()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(slow.outputTokens()).isEqualTo(16);
    assertThat(slow.costNanos())
        .isEqualTo(OptionalLong.of(slow.inputTokens() * 1_000 + 16 * 2_000));
    SpendRecord claude = check(checks, "claude");
    assertThat(claude.costNanos()).isPresent();
    assertThat(claude.costNanos().getAsLong()).isPositive();

    // Logged under the system key, in the spend log.
    await(() -> spendLogs().path("total").asInt() == 8, "the health checks in the spend log");
    List<JsonNode> logged = new ArrayList<>();
    spendLogs().path("data").forEach(logged::add);
    assertThat(logged)
        .allSatisfy(
            row ->
                assertThat(row.path("api_key").asText())
                    .isEqualTo(SpendRecord.HEALTH_CHECK_KEY_HASH));
    JsonNode okRow =
        logged.stream()
            .filter(row -> row.path("model_id").asText().equals("ok"))
            .findFirst()
            .orElseThrow();
    assertThat(okRow.path("spend").decimalValue()).isEqualByComparingTo("0.000022");

    // Charged to no budget: the global counter holds the key's request alone, and so does the key.
    assertThat(gw().gateway().enforcer().globalBudget().spendNanos()).isEqualTo(OK_COST);
    assertThat(gw().gateway().enforcer().globalBudget().unpricedRequests()).isZero();
    JsonNode info = json(gw().get("/key/info?key=" + key).body()).path("info");
    assertThat(info.path("spend").decimalValue()).isEqualByComparingTo("0.000022");
  }

  JsonNode spendLogs() {
    try {
      return json(
          gw().get("/spend/logs/ui?key_hash=" + SpendRecord.HEALTH_CHECK_KEY_HASH + "&page_size=50")
              .body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static SpendRecord check(List<SpendRecord> records, String id) {
    return records.stream()
        .filter(r -> r.deploymentId().equals(Optional.of(id)))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void health_embeddingModeHealthCheckModelAndFilters() throws Exception {
    FakeOpenAi embed = open(new FakeOpenAi());
    FakeOpenAi wild = open(new FakeOpenAi());
    start(
        """
        model_list:
          - model_name: emb
            litellm_params: {model: openai/text-embedding-3-small, api_base: %1$s}
            model_info: {id: emb, mode: embedding}
          - model_name: wild
            litellm_params: {model: openai/gpt-x, api_base: %2$s}
            model_info: {id: wild, health_check_model: openai/gpt-health, health_check_max_tokens: 3}
        router_settings:
          model_group_alias: {wild-alias: wild}
        """
            .formatted(embed.apiBase(), wild.apiBase()));

    JsonNode emb = healthJson("?model=emb");

    assertThat(ids(emb.path("healthy_endpoints"))).containsExactly("emb");
    assertThat(emb.path("unhealthy_count").asInt()).isZero();
    assertThat(embed.received()).hasSize(1);
    assertThat(wild.received()).as("?model= checks only that group").isEmpty();
    FakeOpenAi.Received sent = embed.lastReceived();
    assertThat(sent.path()).isEqualTo("/v1/embeddings");
    JsonNode body = json(sent.body());
    assertThat(body.path("model").asText()).isEqualTo("text-embedding-3-small");
    assertThat(body.path("input").get(0).asText()).isEqualTo(Probe.EMBEDDING_INPUT);
    assertThat(body.has("max_tokens")).isFalse();
    assertThat(body.has("messages")).isFalse();

    JsonNode w = healthJson("?model=wild-alias");

    assertThat(ids(w.path("healthy_endpoints"))).containsExactly("wild");
    assertThat(endpoint(w, "wild").path("model").asText()).isEqualTo("openai/gpt-health");
    JsonNode wildBody = json(wild.lastReceived().body());
    assertThat(wild.lastReceived().path()).isEqualTo("/v1/chat/completions");
    assertThat(wildBody.path("model").asText()).isEqualTo("gpt-health");
    assertThat(wildBody.path("max_tokens").asInt()).isEqualTo(3);
    assertThat(embed.received()).hasSize(1);

    assertThat(ids(healthJson("?model_id=emb").path("healthy_endpoints"))).containsExactly("emb");
    assertThat(ids(healthJson("?model=openai/gpt-x").path("healthy_endpoints")))
        .as("a litellm_params.model, as LiteLLM matches it")
        .containsExactly("wild");
    JsonNode none = healthJson("?model=no-such-group");
    assertThat(none.path("healthy_count").asInt()).isZero();
    assertThat(none.path("unhealthy_count").asInt()).isZero();
    HttpResponse<String> missing = health("?model_id=no-such-id", TestGateway.MASTER_KEY);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json(missing.body()).path("error").path("param").asText()).isEqualTo("model_id");
    assertThat(embed.received()).hasSize(2);
    assertThat(wild.received()).hasSize(2);
    await(() -> records.size() == 4, "one spend record per check");
  }

  @Test
  void background_firstRoundAtStart_healthAnswersItWithoutCallingUpstreams() throws Exception {
    FakeOpenAi ok = open(new FakeOpenAi());
    FakeOpenAi bad = open(new FakeOpenAi());
    bad.fallback(new FakeOpenAi.Error(500, "application/json", "{\"error\":{\"message\":\"x\"}}"));
    start(
        """
        model_list:
          - model_name: ok
            litellm_params: {model: openai/gpt-x, api_base: %s}
            model_info: {id: ok}
          - model_name: bad
            litellm_params: {model: openai/gpt-x, api_base: %s}
            model_info: {id: bad}
        general_settings:
          background_health_checks: true
          health_check_interval: 3600
        """
            .formatted(ok.apiBase(), bad.apiBase()));

    await(() -> ok.received().size() == 1 && bad.received().size() == 1, "the first round");
    JsonNode answer = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (answer == null || answer.path("unhealthy_count").asInt() == 0) {
      assertThat(System.nanoTime()).as("the first round's results").isLessThan(deadline);
      answer = healthJson("");
    }

    assertThat(ids(answer.path("healthy_endpoints"))).containsExactly("ok");
    assertThat(ids(answer.path("unhealthy_endpoints"))).containsExactly("bad");
    assertThat(healthJson("")).isEqualTo(answer);
    assertThat(ids(healthJson("?model=bad").path("unhealthy_endpoints"))).containsExactly("bad");
    assertThat(healthJson("?model=bad").path("healthy_count").asInt()).isZero();
    assertThat(ok.received()).as("answered from the latest round").hasSize(1);
    assertThat(bad.received()).hasSize(1);
    // The round may end before the test's spend listener is added: read the spend log instead.
    await(() -> spendLogs().path("total").asInt() == 2, "a record per check of the round");
  }

  @Test
  void background_shortInterval_roundsRepeat() throws Exception {
    FakeOpenAi ok = open(new FakeOpenAi());
    start(
        """
        model_list:
          - model_name: ok
            litellm_params: {model: openai/gpt-x, api_base: %s}
        general_settings:
          background_health_checks: true
          health_check_interval: 1
        """
            .formatted(ok.apiBase()));

    await(() -> ok.received().size() >= 2, "a second round, an interval after the first");
    await(() -> records.size() >= 2, "a record per round");
    assertThat(records).allSatisfy(r -> assertThat(r.system()).isTrue());
  }

  /** The background rounds tell the router of every deployment that failed, and only those. */
  @Test
  void background_failedDeployments_reportedToTheRouter() throws Exception {
    FakeOpenAi ok = open(new FakeOpenAi());
    FakeOpenAi bad = open(new FakeOpenAi());
    bad.fallback(new FakeOpenAi.Error(503, "application/json", "{\"error\":{\"message\":\"x\"}}"));
    List<DeploymentConfig> configs =
        ConfigLoader.parse(
                "config.yaml",
                """
                model_list:
                  - model_name: g
                    litellm_params: {model: openai/gpt-x, api_base: %s}
                    model_info: {id: good}
                  - model_name: g
                    litellm_params: {model: openai/gpt-x, api_base: %s}
                    model_info: {id: bad}
                  - model_name: h
                    litellm_params: {model: openai/gpt-x, api_base: %s}
                    model_info: {id: bad-mode, mode: image_generation}
                """
                    .formatted(ok.apiBase(), bad.apiBase(), ok.apiBase()),
                Environment.of(Map.of()))
            .modelList();
    List<Deployment> deployments = new ArrayList<>();
    for (DeploymentConfig c : configs) {
      deployments.add(
          new Deployment(
              c.id(),
              c.modelName(),
              c.params(),
              c.modelInfo(),
              Deployment.Origin.CONFIG,
              Price.UNKNOWN));
    }
    List<String> failed = new CopyOnWriteArrayList<>();
    Cooldowns recording =
        new Cooldowns() {
          @Override
          public void failed(Deployment d, GatewayException error, long now) {
            failed.add(d.id() + " " + error.status());
          }

          @Override
          public boolean cooling(String id, long now) {
            return false;
          }

          @Override
          public long coolingUntil(String id, long now) {
            return 0;
          }
        };
    HealthChecks checks =
        new HealthChecks(
            new RegistryHolder(ModelRegistry.of(deployments, Map.of())),
            key -> Optional.empty(),
            records::add,
            Clock.systemUTC(),
            true,
            3_600_000);
    Vertx vertx = Vertx.vertx();
    try {
      checks
          .start(vertx, new Routing(RouterSettings.defaults(), recording, Clock.systemUTC()))
          .await();
      await(() -> failed.size() == 2, "the failures reported");
      assertThat(failed).containsExactlyInAnyOrder("bad 502", "bad-mode 501");
      assertThat(checks.latest().results()).hasSize(3);
      assertThat(ok.received()).hasSize(1);
    } finally {
      vertx.close().await();
    }
  }
}

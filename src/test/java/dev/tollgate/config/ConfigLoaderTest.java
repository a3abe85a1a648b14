package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.pricing.RateKey;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  static final Environment ENV =
      Environment.of(
          Map.of("OPENAI_API_KEY", "sk-from-env", "AZURE_API_BASE", "https://x.openai.azure.com"));

  static GatewayConfig parse(String yaml) {
    return ConfigLoader.parse("config.yaml", yaml, ENV);
  }

  /** The example from LiteLLM's proxy quick start, with the keys most deployments use. */
  @Test
  void parse_liteLlmQuickStartConfig_readsEverySection() {
    GatewayConfig c =
        parse(
            """
            model_list:
              - model_name: gpt-4o
                litellm_params:
                  model: azure/my-gpt4o-deployment
                  api_base: os.environ/AZURE_API_BASE
                  api_key: "os.environ/AZURE_API_KEY"
                  api_version: "2024-08-01-preview"
                  rpm: 6
                  tpm: 100000
                model_info:
                  id: azure-1
                  base_model: azure/gpt-4o
              - model_name: gpt-4o
                litellm_params:
                  model: openai/gpt-4o
                  api_key: os.environ/OPENAI_API_KEY
                  timeout: 30
                  stream_timeout: 2.5
                  max_retries: 2
                  weight: 3
                  input_cost_per_token: 0.0000025
                  output_cost_per_token: "1e-5"
            litellm_settings:
              drop_params: true
              max_budget: 100.50
              budget_duration: 30d
              max_end_user_budget: 0.05
              timezone: Europe/Berlin
            general_settings:
              master_key: sk-1234
              database_url: postgresql://u:p@localhost:5432/litellm
            router_settings:
              routing_strategy: simple-shuffle
              num_retries: 3
              timeout: 60
              redis_host: localhost
              redis_port: 6379
              redis_password: secret
              model_group_alias: {"gpt-4": "gpt-4o"}
            """);

    assertThat(c.modelList()).hasSize(2);
    DeploymentConfig azure = c.modelList().get(0);
    assertThat(azure.id()).isEqualTo("azure-1");
    assertThat(azure.params().provider()).isEqualTo("azure");
    assertThat(azure.params().providerModel()).isEqualTo("my-gpt4o-deployment");
    assertThat(azure.params().apiBase()).contains("https://x.openai.azure.com");
    assertThat(azure.params().apiKey()).isEmpty();
    assertThat(azure.params().rpm()).hasValue(6);
    assertThat(azure.modelInfo()).containsEntry("base_model", "azure/gpt-4o");

    LitellmParams openai = c.modelList().get(1).params();
    assertThat(openai.apiKey()).contains("sk-from-env");
    assertThat(openai.timeoutMillis()).hasValue(30_000);
    assertThat(openai.streamTimeoutMillis()).hasValue(2_500);
    assertThat(openai.maxRetries()).hasValue(2);
    assertThat(openai.weight()).isEqualTo(3);
    assertThat(openai.customRates())
        .containsEntry(RateKey.INPUT, new BigDecimal("0.0000025"))
        .containsEntry(RateKey.OUTPUT, new BigDecimal("1e-5"));

    assertThat(c.general().masterKey()).contains("sk-1234");
    assertThat(c.general().databaseUrl()).contains("postgresql://u:p@localhost:5432/litellm");
    assertThat(c.router().numRetries()).isEqualTo(3);
    assertThat(c.router().timeoutMillis()).hasValue(60_000);
    assertThat(c.router().redisPort()).hasValue(6379);
    assertThat(c.router().modelGroupAlias()).containsEntry("gpt-4", "gpt-4o");
    assertThat(c.litellm().maxBudget())
        .hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo("100.50"));
    assertThat(c.litellm().budgetDuration()).contains("30d");
    assertThat(c.litellm().maxEndUserBudget()).contains(new BigDecimal("0.05"));
    assertThat(c.litellm().timezone()).contains("Europe/Berlin");
    assertThat(c.litellm().raw()).containsEntry("drop_params", true);
    // litellm_settings.drop_params is every deployment's default, so it is no longer a warning.
    assertThat(openai.extra()).containsEntry("drop_params", true);
    assertThat(c.warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("model_list[0].litellm_params.api_key")
                    .contains("AZURE_API_KEY"))
        .noneSatisfy(w -> assertThat(w).contains("drop_params"));
  }

  /** A deployment's own drop_params wins over litellm_settings'; it must be a boolean. */
  @Test
  void parse_deploymentDropParams_overridesGlobal() {
    GatewayConfig c =
        parse(
            """
            model_list:
              - model_name: a
                litellm_params: {model: anthropic/claude-x, drop_params: false}
              - model_name: b
                litellm_params: {model: anthropic/claude-x}
              - model_name: c
                litellm_params: {model: anthropic/claude-x, drop_params: true}
            litellm_settings:
              drop_params: true
            """);
    assertThat(c.modelList().get(0).params().extra()).doesNotContainKey("drop_params");
    assertThat(c.modelList().get(1).params().extra()).containsEntry("drop_params", true);
    assertThat(c.modelList().get(2).params().extra()).containsEntry("drop_params", true);
    GatewayConfig none =
        parse(
            """
            model_list:
              - model_name: b
                litellm_params: {model: anthropic/claude-x}
            """);
    assertThat(none.modelList().get(0).params().extra()).doesNotContainKey("drop_params");
  }

  /** Azure AD client credentials are provider keys, resolved from the environment like api_key. */
  @Test
  void parse_azureAdCredentials_keptForTheProviderAndResolvedFromTheEnvironment() {
    GatewayConfig c =
        ConfigLoader.parse(
            "config.yaml",
            """
            model_list:
              - model_name: gpt-4o
                litellm_params:
                  model: azure/gpt-4o-prod
                  api_base: https://x.openai.azure.com
                  api_version: "2024-10-21"
                  tenant_id: os.environ/AZURE_TENANT_ID
                  client_id: os.environ/AZURE_CLIENT_ID
                  client_secret: os.environ/AZURE_CLIENT_SECRET
                  azure_authority_host: os.environ/AZURE_AUTHORITY_HOST
                  azure_scope: https://cognitiveservices.azure.com/.default
              - model_name: gpt-4o
                litellm_params:
                  model: azure/gpt-4o-other
                  api_base: https://y.openai.azure.com
                  azure_ad_token: os.environ/AZURE_AD_TOKEN
            """,
            Environment.of(
                Map.of(
                    "AZURE_TENANT_ID", "tenant-1",
                    "AZURE_CLIENT_ID", "client-1",
                    "AZURE_CLIENT_SECRET", "s3cret",
                    "AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us",
                    "AZURE_AD_TOKEN", "eyJ0")));

    assertThat(c.warnings()).isEmpty();
    assertThat(c.modelList().get(0).params().extra())
        .containsEntry("tenant_id", "tenant-1")
        .containsEntry("client_id", "client-1")
        .containsEntry("client_secret", "s3cret")
        .containsEntry("azure_authority_host", "https://login.microsoftonline.us")
        .containsEntry("azure_scope", "https://cognitiveservices.azure.com/.default");
    assertThat(c.modelList().get(0).params().apiVersion()).contains("2024-10-21");
    assertThat(c.modelList().get(1).params().extra()).containsEntry("azure_ad_token", "eyJ0");
  }

  @Test
  void parse_environmentVariablesSection_isAppliedBeforeReferencesAreResolved() {
    GatewayConfig c =
        parse(
            """
            environment_variables:
              OPENAI_API_KEY: sk-overridden
              MY_BASE: http://localhost:8000/v1
            model_list:
              - model_name: local
                litellm_params:
                  model: hosted_vllm/meta-llama/Llama-3.1-8B
                  api_base: os.environ/MY_BASE
                  api_key: os.environ/OPENAI_API_KEY
            """);
    LitellmParams p = c.modelList().get(0).params();
    assertThat(p.apiKey()).contains("sk-overridden");
    assertThat(p.apiBase()).contains("http://localhost:8000/v1");
    assertThat(p.provider()).isEqualTo("hosted_vllm");
    assertThat(p.providerModel()).isEqualTo("meta-llama/Llama-3.1-8B");
  }

  @Test
  void parse_retrySettings_typed() {
    GatewayConfig c =
        parse(
            """
            model_list:
              - model_name: m
                litellm_params: {model: openai/gpt-4o}
            router_settings:
              num_retries: 2
              retry_after: 0.25
              retry_policy:
                RateLimitErrorRetries: 4
                BadRequestErrorRetries: 0
                TeapotErrorRetries: 1
            """);
    assertThat(c.router().numRetries()).isEqualTo(2);
    assertThat(c.router().retryAfterMillis()).isEqualTo(250);
    assertThat(c.router().retryPolicy())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("RateLimitErrorRetries", 4, "BadRequestErrorRetries", 0));
    assertThat(c.warnings())
        .anySatisfy(w -> assertThat(w).contains("router_settings.retry_policy.TeapotErrorRetries"));
  }

  @Test
  void parse_retryPolicyNotACount_fails() {
    assertThatThrownBy(
            () ->
                parse(
                    """
                    model_list:
                      - model_name: m
                        litellm_params: {model: openai/gpt-4o}
                    router_settings:
                      retry_policy: {TimeoutErrorRetries: -1}
                    """))
        .hasMessageContaining("router_settings.retry_policy.TimeoutErrorRetries");
  }

  @Test
  void parse_jsonLogs_readWithoutWarningAndOffByDefault() {
    String models =
        """
        model_list:
          - model_name: m
            litellm_params: {model: openai/gpt-4o}
        """;
    GatewayConfig on = parse(models + "general_settings:\n  json_logs: true\n");
    assertThat(on.general().jsonLogs()).isTrue();
    assertThat(on.warnings()).noneSatisfy(w -> assertThat(w).contains("json_logs"));
    assertThat(parse(models + "general_settings:\n  master_key: sk-1\n").general().jsonLogs())
        .isFalse();
    assertThat(parse(models).general().jsonLogs()).isFalse();
  }

  @Test
  void parse_unknownKeys_warnNamingEachKey() {
    GatewayConfig c =
        parse(
            """
            model_list:
              - model_name: m
                litellm_params:
                  model: openai/gpt-4o
                  api_kee: typo
                  input_cost_per_pixel: 0.1
                surprise: 1
                model_info:
                  colour: blue
            general_settings:
              mystery_setting: true
            router_settings:
              routing_strategy: latency-based-routing
              router_mystery: 2
            whatever: 1
            """);
    assertThat(c.warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .startsWith("config.yaml: model_list[0].litellm_params.api_kee: unknown key"))
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("model_list[0].litellm_params.input_cost_per_pixel")
                    .contains("not used for billing"))
        .anySatisfy(w -> assertThat(w).contains("model_list[0].surprise"))
        .anySatisfy(w -> assertThat(w).contains("model_list[0].model_info.colour"))
        .anySatisfy(w -> assertThat(w).contains("general_settings.mystery_setting"))
        .anySatisfy(
            w -> assertThat(w).contains("router_settings.router_mystery").contains("unknown key"))
        .anySatisfy(w -> assertThat(w).contains("whatever: unknown top-level key"));
  }

  @Test
  void guardrails_refuseToStart_namingThem_unlessAllowedMissing() {
    String guarded =
        """
        guardrails:
          - guardrail_name: pii-mask
            litellm_params: {guardrail: presidio, mode: pre_call}
        %s
        """;
    assertThatThrownBy(() -> parse(guarded.formatted("")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("guardrails")
        .hasMessageContaining("pii-mask")
        .hasMessageContaining("allow_missing_guardrails");
    assertThatThrownBy(() -> parse("litellm_settings:\n  callbacks: [prometheus, presidio]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("litellm_settings.callbacks")
        .hasMessageContaining("presidio");

    GatewayConfig allowed =
        parse(guarded.formatted("general_settings: {allow_missing_guardrails: true}"));
    assertThat(allowed.warnings())
        .anySatisfy(w -> assertThat(w).contains("guardrails").contains("pii-mask"))
        .noneSatisfy(w -> assertThat(w).contains("unknown"));
  }

  @Test
  void parse_healthCheckModelInfo_keptWithoutWarnings() {
    GatewayConfig c =
        parse(
            """
            model_list:
              - model_name: m
                litellm_params: {model: openai/gpt-4o}
                model_info:
                  mode: embedding
                  health_check_model: openai/gpt-4o-mini
                  health_check_timeout: 2.5
                  health_check_max_tokens: 5
            general_settings:
              background_health_checks: true
              health_check_interval: 30
            """);
    assertThat(c.warnings()).isEmpty();
    assertThat(c.modelList().get(0).modelInfo())
        .containsEntry("mode", "embedding")
        .containsEntry("health_check_model", "openai/gpt-4o-mini")
        .containsEntry("health_check_timeout", new java.math.BigDecimal("2.5"))
        .containsEntry("health_check_max_tokens", 5L);
    assertThat(c.general().backgroundHealthChecks()).isTrue();
    assertThat(c.general().healthCheckIntervalMillis()).isEqualTo(30_000);
  }

  @Test
  void routerReliabilitySettings_parsed_withLitellmSettingsFillingWhatRouterSettingsLacks() {
    GatewayConfig c =
        parse(
            """
            litellm_settings:
              fallbacks: [{"a": ["ignored"]}]
              context_window_fallbacks: [{"a": ["a-long"]}]
              num_retries: 7
            router_settings:
              routing_strategy: least-busy
              fallbacks: [{"a": ["b", "c"]}, {"*": ["d"]}]
              default_fallbacks: ["e"]
              content_policy_fallbacks: [{"a": [{"model": "safe"}]}]
              max_fallbacks: 2
              allowed_fails: 1
              cooldown_time: 30
              allowed_fails_policy: {RateLimitErrorAllowedFails: 9, NoSuchErrorAllowedFails: 1}
              routing_strategy_args: {lowest_latency_buffer: 0.5}
            general_settings:
              background_health_checks: true
              health_check_interval: 60
            """);
    RouterSettings r = c.router();
    assertThat(r.routingStrategy()).isEqualTo("least-busy");
    assertThat(r.fallbacks())
        .containsExactly(
            java.util.Map.entry("a", java.util.List.of("b", "c")),
            java.util.Map.entry("*", java.util.List.of("d")));
    assertThat(r.defaultFallbacks()).containsExactly("e");
    assertThat(r.contextWindowFallbacks()).containsEntry("a", java.util.List.of("a-long"));
    assertThat(r.contentPolicyFallbacks()).containsEntry("a", java.util.List.of("safe"));
    assertThat(r.numRetries()).isEqualTo(7);
    assertThat(r.maxFallbacks()).isEqualTo(2);
    assertThat(r.allowedFails()).isEqualTo(1);
    assertThat(r.cooldownMillis()).isEqualTo(30_000);
    assertThat(r.allowedFailsPolicy())
        .containsExactly(java.util.Map.entry("RateLimitErrorAllowedFails", 9));
    assertThat(r.lowestLatencyBuffer()).isEqualByComparingTo("0.5");
    assertThat(c.general().backgroundHealthChecks()).isTrue();
    assertThat(c.general().healthCheckIntervalMillis()).isEqualTo(60_000);
    assertThat(c.warnings())
        .anySatisfy(w -> assertThat(w).contains("allowed_fails_policy.NoSuchErrorAllowedFails"))
        .noneSatisfy(w -> assertThat(w).contains("litellm_settings.fallbacks"));
  }

  @Test
  void routerDefaults_areLiteLlms() {
    RouterSettings r = parse("model_list: []").router();
    assertThat(r.maxFallbacks()).isEqualTo(5);
    assertThat(r.allowedFails()).isEqualTo(3);
    assertThat(r.cooldownMillis()).isEqualTo(5_000);
    assertThat(r.fallbacks()).isEmpty();
    assertThat(r.routingStrategy()).isEqualTo("simple-shuffle");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "model_list: {a: 1}|model_list|must be a list",
        "model_list: [{litellm_params: {model: openai/x}}]|model_list[0].model_name|is required",
        "model_list: [{model_name: m}]|model_list[0].litellm_params|is required",
        "router_settings: {routing_strategy: fastest}|router_settings.routing_strategy|not a routing strategy",
        "router_settings: {fallbacks: [[a]]}|router_settings.fallbacks[0]|must be a mapping",
        "router_settings: {fallbacks: [{a: [1]}]}|router_settings.fallbacks.a|model group names",
        "model_list: [{model_name: m, litellm_params: {api_base: 'http://x'}}]|model_list[0].litellm_params.model|is required",
        "model_list: [{model_name: m, litellm_params: {model: 'openai/'}}]|model_list[0].litellm_params.model|PROVIDER/MODEL",
        "model_list: [{model_name: m, litellm_params: {model: openai/x, rpm: fast}}]|model_list[0].litellm_params.rpm|must be a number",
        "model_list: [{model_name: m, litellm_params: {model: openai/x, rpm: -1}}]|model_list[0].litellm_params.rpm|must not be negative",
        "model_list: [{model_name: m, litellm_params: {model: openai/x, tpm: 1.5}}]|model_list[0].litellm_params.tpm|whole number",
        "model_list: [{model_name: m, litellm_params: {model: openai/x, timeout: 0}}]|model_list[0].litellm_params.timeout|greater than 0",
        "model_list: [{model_name: m, litellm_params: {model: openai/x, weight: 0}}]|model_list[0].litellm_params.weight|at least 1",
        "model_list: [{model_name: m, litellm_params: {model: openai/x, api_base: 'not a url'}}]|model_list[0].litellm_params.api_base|valid http(s) URL",
        "model_list: [{model_name: m, litellm_params: {model: openai/x, input_cost_per_token: -0.1}}]|model_list[0].litellm_params.input_cost_per_token|must not be negative",
        "model_list: [{model_name: m, litellm_params: {model: openai/x, output_cost_per_token: cheap}}]|model_list[0].litellm_params.output_cost_per_token|must be a number",
        "model_list: [{model_name: a, litellm_params: {model: openai/x}, model_info: {id: same}}, {model_name: b, litellm_params: {model: openai/y}, model_info: {id: same}}]|model_list[1].model_info.id|duplicate id 'same'",
        "model_list: [{model_name: m, litellm_params: {model: openai/x}, model_info: {health_check_timeout: 0}}]|model_list[0].model_info.health_check_timeout|more than 0",
        "model_list: [{model_name: m, litellm_params: {model: openai/x}, model_info: {health_check_timeout: soon}}]|model_list[0].model_info.health_check_timeout|number of seconds",
        "model_list: [{model_name: m, litellm_params: {model: openai/x}, model_info: {health_check_max_tokens: 1.5}}]|model_list[0].model_info.health_check_max_tokens|whole number",
        "model_list: [{model_name: m, litellm_params: {model: openai/x}, model_info: {health_check_model: ''}}]|model_list[0].model_info.health_check_model|must be a model",
        "router_settings: {num_retries: many}|router_settings.num_retries|must be a number",
        "router_settings: {redis_port: 70000}|router_settings.redis_port|port number",
        "router_settings: {model_group_alias: {a: [1]}}|router_settings.model_group_alias.a|model group name",
        "litellm_settings: {max_budget: -5}|litellm_settings.max_budget|must not be negative",
        "litellm_settings: {budget_duration: forever}|litellm_settings.budget_duration|duration",
        "litellm_settings: {timezone: Mars/Olympus}|litellm_settings.timezone|unknown time zone",
        "litellm_settings: {store_audit_logs: maybe}|litellm_settings.store_audit_logs|true or false",
        "litellm_settings: {callbacks: {a: 1}}|litellm_settings.callbacks|list of names",
        "litellm_settings: {success_callback: [1]}|litellm_settings.success_callback|list of names",
        "litellm_settings: {require_auth_for_metrics_endpoint: x}|litellm_settings.require_auth_for_metrics_endpoint|true or false",
        "general_settings: {max_request_size_mb: 0}|general_settings.max_request_size_mb|greater than 0",
        "general_settings: {store_model_in_db: maybe}|general_settings.store_model_in_db|true or false",
        "general_settings: [1, 2]|general_settings|must be a mapping",
        "'a: [unclosed'|(root)|not valid YAML"
      })
  void parse_invalidValue_failsNamingFilePathAndProblem(String yaml, String path, String problem) {
    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config.yaml: " + path + ": ")
        .hasMessageContaining(problem)
        .satisfies(e -> assertThat(((ConfigException) e).path()).isEqualTo(path));
  }

  @Test
  void load_missingFile_failsNamingTheFile(@TempDir Path dir) {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> ConfigLoader.load(missing, ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("no such file");
  }

  @Test
  void load_file_usesItsPathInMessages(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(file, "router_settings: {num_retries: -1}\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, ENV))
        .hasMessageStartingWith(file + ": router_settings.num_retries: ");
  }

  @Test
  void parse_sameTextTwice_givesEqualSnapshotsAndStableDerivedIds() {
    String yaml =
        """
        model_list:
          - model_name: a
            litellm_params: {model: openai/gpt-4o, api_key: k}
          - model_name: a
            litellm_params: {model: openai/gpt-4o, api_key: k2}
        """;
    GatewayConfig first = parse(yaml);
    GatewayConfig second = parse(yaml);
    assertThat(first).isEqualTo(second);
    assertThat(first.modelList().get(0).id())
        .hasSize(32)
        .isNotEqualTo(first.modelList().get(1).id());
  }

  @Test
  void parse_emptyFile_givesEmptyConfigWithDefaults() {
    GatewayConfig c = parse("");
    assertThat(c.modelList()).isEmpty();
    assertThat(c.router().routingStrategy()).isEqualTo("simple-shuffle");
    assertThat(c.general().maxRequestBytes()).isEqualTo(GeneralSettings.DEFAULT_MAX_REQUEST_BYTES);
  }

  @Test
  void parse_costKeysAbsent_areAbsentNotZero() {
    GatewayConfig c = parse("model_list: [{model_name: m, litellm_params: {model: openai/x}}]");
    assertThat(c.modelList().get(0).params().customRates()).isEmpty();
  }

  @Test
  void parse_deploymentAndProviderBudgets_exactNanosAndWindows() {
    GatewayConfig c =
        parse(
            """
            model_list:
              - model_name: m
                litellm_params: {model: openai/x, max_budget: 0.000000001, budget_duration: 1d}
              - model_name: m
                litellm_params: {model: openai/y, budget_duration: 1d}
            router_settings:
              provider_budget_config:
                openai: {budget_limit: 100, time_period: 1d}
                anthropic: {max_budget: "0.1"}
            """);
    assertThat(c.modelList().get(0).params().budget())
        .contains(new SpendCap(1, Optional.of(BudgetDuration.parse("1d"))));
    // A window without an amount is no budget, as in LiteLLM; it is warned about.
    assertThat(c.modelList().get(1).params().budget()).isEmpty();
    assertThat(c.warnings()).anyMatch(w -> w.contains("litellm_params.budget_duration"));
    assertThat(c.router().providerBudgets())
        .containsEntry(
            "openai", new SpendCap(100_000_000_000L, Optional.of(BudgetDuration.parse("1d"))))
        .containsEntry("anthropic", new SpendCap(100_000_000L, Optional.empty()));
  }

  @Test
  void parse_badBudgets_failNamingThePath() {
    assertThatThrownBy(
            () ->
                parse(
                    "model_list: [{model_name: m, litellm_params: {model: openai/x,"
                        + " max_budget: 0.0000000001}}]"))
        .hasMessageContaining("model_list[0].litellm_params.max_budget")
        .hasMessageContaining("9 decimal places");
    assertThatThrownBy(
            () -> parse("router_settings: {provider_budget_config: {openai: {time_period: 1d}}}"))
        .hasMessageContaining("router_settings.provider_budget_config.openai.budget_limit")
        .hasMessageContaining("required");
    assertThatThrownBy(
            () ->
                parse(
                    "router_settings: {provider_budget_config: {openai: {budget_limit: 1,"
                        + " max_budget: 1}}}"))
        .hasMessageContaining("provider_budget_config.openai.max_budget");
  }

  @Test
  void callbacks_fromAllThreeKeys_unimplementedOnesWarnedByName() {
    GatewayConfig c =
        parse(
            "litellm_settings: {callbacks: prometheus, success_callback: [generic_api, langfuse],"
                + " failure_callback: [langfuse], store_audit_logs: true}");
    assertThat(c.litellm().callbacks()).containsExactly("prometheus", "generic_api", "langfuse");
    assertThat(c.litellm().prometheus()).isTrue();
    assertThat(c.litellm().genericApi()).isTrue();
    assertThat(c.litellm().storeAuditLogs()).isTrue();
    assertThat(c.litellm().requireAuthForMetrics()).isTrue();
    assertThat(c.warnings()).anyMatch(w -> w.contains("'langfuse' is not implemented"));
    assertThat(c.warnings()).noneMatch(w -> w.contains("callback") && w.contains("prometheus"));
  }

  @Test
  void callbacks_otel_implementedSoNotWarned() {
    GatewayConfig c = parse("litellm_settings: {callbacks: [otel]}");
    assertThat(c.litellm().otel()).isTrue();
    assertThat(c.litellm().prometheus()).isFalse();
    assertThat(c.warnings()).noneMatch(w -> w.contains("otel"));
  }
}

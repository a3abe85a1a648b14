package dev.tollgate.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.pricing.RateKey;
import dev.tollgate.provider.Endpoint;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads a LiteLLM-format {@code config.yaml} into a {@link GatewayConfig}. Pure: the same text and
 * environment always give an equal snapshot. Unknown keys become warnings that name the key;
 * invalid values throw {@link ConfigException} naming the file, the path and the problem.
 */
public final class ConfigLoader {
  private static final YAMLMapper YAML =
      YAMLMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  private static final String ENV_PREFIX = "os.environ/";

  private static final Set<String> TOP_LEVEL =
      Set.of(
          "model_list",
          "general_settings",
          "router_settings",
          "litellm_settings",
          "environment_variables",
          "guardrails");

  /**
   * LiteLLM's callbacks that are guardrails (PII masking, prompt-injection and moderation checks):
   * naming one is configuring a guardrail.
   */
  private static final Set<String> GUARDRAIL_CALLBACKS =
      Set.of(
          "presidio",
          "lakera_prompt_injection",
          "hide_secrets",
          "llamaguard_moderations",
          "llmguard_moderations",
          "google_text_moderation",
          "openai_moderations",
          "azure_content_safety",
          "detect_prompt_injection",
          "aporia",
          "guardrails_ai",
          "bedrock_guardrails",
          "aim",
          "pangea",
          "lasso");

  /** litellm_params keys handed to provider adapters as they are. */
  private static final Set<String> PROVIDER_KEYS =
      Set.of(
          "organization",
          "custom_llm_provider",
          "base_model",
          "mock_response",
          "mock_latency_ms",
          "mock_output_tokens",
          "aws_access_key_id",
          "aws_secret_access_key",
          "aws_session_token",
          "aws_region_name",
          "aws_profile_name",
          "aws_role_name",
          "aws_bedrock_runtime_endpoint",
          "vertex_project",
          "vertex_location",
          "vertex_credentials",
          "azure_ad_token",
          "tenant_id",
          "client_id",
          "client_secret",
          "azure_authority_host",
          "azure_scope",
          "region_name",
          "headers",
          "extra_headers",
          "tags",
          "order",
          "use_in_pass_through",
          "drop_params",
          "max_tokens",
          "stream");

  /**
   * litellm_params keys LiteLLM configs carry that Tollgate accepts but does not act on: each is
   * warned about, naming it, and listed in the README's "Accepted without effect".
   */
  static final Map<String, String> NO_EFFECT_PARAMS =
      Map.of(
          "use_in_pass_through",
          "is not supported: Tollgate's pass-through routes do not pick config deployments");

  private static final Set<String> MODEL_INFO_KEYS =
      Set.of(
          "id",
          "base_model",
          "mode",
          "max_tokens",
          "max_input_tokens",
          "max_output_tokens",
          "db_model",
          "team_id",
          "team_public_model_name",
          "access_groups",
          "description",
          "tier",
          "litellm_provider",
          "created_at",
          "updated_at",
          "created_by",
          "updated_by",
          "health_check_model",
          "health_check_timeout",
          "health_check_max_tokens");

  private final String source;
  private final List<String> warnings = new ArrayList<>();
  private Environment env;

  private ConfigLoader(String source, Environment env) {
    this.source = source;
    this.env = env;
  }

  /** Loads a config file. */
  public static GatewayConfig load(Path file, Environment env) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), "(file)", "no such file");
    } catch (IOException e) {
      throw new ConfigException(file.toString(), "(file)", "cannot be read: " + e.getMessage());
    }
    return parse(file.toString(), text, env);
  }

  /** Parses config text; {@code source} names it in messages. */
  public static GatewayConfig parse(String source, String yaml, Environment env) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JacksonException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new ConfigException(
          source, "(root)", "not valid YAML" + where + ": " + e.getOriginalMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = JsonNodeFactory.instance.objectNode();
    }
    return new ConfigLoader(source, env).read(root);
  }

  /** {@code general_settings.allow_missing_guardrails}: start although guardrails are named. */
  private boolean allowMissingGuardrails;

  /**
   * Guardrails named at {@code path}, which Tollgate does not run: a refusal to start, since a PII
   * or injection check the operator relies on must not quietly disappear, unless {@code
   * general_settings.allow_missing_guardrails} is true, when it is a warning naming them.
   */
  private void guardrail(String path, List<String> names) {
    String message =
        "guardrail "
            + String.join(", ", names)
            + " is configured, but Tollgate does not run guardrails: requests would reach the"
            + " models unchecked";
    if (!allowMissingGuardrails) {
      throw fail(
          path,
          message
              + ". Remove it, or set general_settings.allow_missing_guardrails: true to start"
              + " without it");
    }
    warn(path, message + " (allowed by general_settings.allow_missing_guardrails)");
  }

  private GatewayConfig read(JsonNode root) {
    ObjectNode top = object(root, "(root)");
    for (Iterator<String> it = top.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!TOP_LEVEL.contains(key)) {
        warn(key, "unknown top-level key; it has no effect in Tollgate");
      }
    }
    JsonNode envVars = top.get("environment_variables");
    if (envVars != null && !envVars.isNull()) {
      Map<String, String> overlay = new HashMap<>();
      ObjectNode vars = object(envVars, "environment_variables");
      for (Map.Entry<String, JsonNode> e : vars.properties()) {
        JsonNode v = e.getValue();
        if (!v.isValueNode() || v.isNull()) {
          throw fail("environment_variables." + e.getKey(), "must be a string, number or boolean");
        }
        overlay.put(e.getKey(), v.asText());
      }
      env = env.with(overlay);
    }
    JsonNode resolved = resolveEnv(top, "");
    GeneralSettings general = general(resolved.get("general_settings"));
    RouterSettings router =
        router(resolved.get("router_settings"), resolved.get("litellm_settings"));
    LitellmSettings litellm = litellm(resolved.get("litellm_settings"));
    JsonNode guardrails = resolved.get("guardrails");
    if (guardrails != null && !absent(guardrails)) {
      List<String> names = new ArrayList<>();
      int i = 0;
      for (JsonNode g : guardrails) {
        String name = g.path("guardrail_name").asText("");
        names.add(name.isEmpty() ? "guardrails[" + i + "]" : name);
        i++;
      }
      guardrail("guardrails", names);
    }
    List<DeploymentConfig> models = modelList(resolved.get("model_list"));
    return new GatewayConfig(source, models, general, router, litellm, warnings);
  }

  // --- os.environ/ references -------------------------------------------------------------------

  /**
   * The variables an {@code os.environ/} reference may name; null for the config file, which may
   * name any. A model created through the API may name only those in {@code
   * general_settings.allowed_env_references}: otherwise anyone with the admin API could send the
   * master key, or any other secret in the environment, to an {@code api_base} of their choosing.
   */
  private @Nullable Set<String> allowedEnv;

  /**
   * {@code litellm_settings.drop_params}: the default of every deployment's {@code drop_params}.
   */
  private boolean dropParams;

  private JsonNode resolveEnv(JsonNode node, String path) {
    if (node.isTextual() && node.asText().startsWith(ENV_PREFIX)) {
      String name = node.asText().substring(ENV_PREFIX.length());
      Set<String> allowed = allowedEnv;
      if (allowed != null && !allowed.contains(name)) {
        throw fail(
            path,
            "may not reference os.environ/"
                + name
                + ": a model stored through the API may name only the variables listed in"
                + " general_settings.allowed_env_references");
      }
      Optional<String> value = env.get(name);
      if (value.isEmpty()) {
        warn(path, "environment variable " + name + " is not set; the key is treated as absent");
        return JsonNodeFactory.instance.nullNode();
      }
      return JsonNodeFactory.instance.textNode(value.get());
    }
    if (node.isObject()) {
      ObjectNode copy = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        copy.set(e.getKey(), resolveEnv(e.getValue(), join(path, e.getKey())));
      }
      return copy;
    }
    if (node.isArray()) {
      var copy = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < node.size(); i++) {
        copy.add(resolveEnv(node.get(i), path + "[" + i + "]"));
      }
      return copy;
    }
    return node;
  }

  // --- sections ---------------------------------------------------------------------------------

  private GeneralSettings general(@Nullable JsonNode node) {
    if (node == null || absent(node)) {
      return GeneralSettings.defaults();
    }
    Section s = new Section(object(node, "general_settings"), "general_settings");
    allowMissingGuardrails = s.bool("allow_missing_guardrails").orElse(false);
    Optional<String> masterKey = s.string("master_key");
    Optional<String> databaseUrl = s.string("database_url");
    boolean storeModelInDb = s.bool("store_model_in_db").orElse(false);
    long maxRequestBytes =
        s.positiveDecimal("max_request_size_mb")
            .map(mb -> mb.multiply(BigDecimal.valueOf(1024L * 1024)).longValue())
            .orElse(GeneralSettings.DEFAULT_MAX_REQUEST_BYTES);
    Optional<String> redisUrl = s.string("redis_url");
    Optional<String> failureMode = s.string("redis_failure_mode");
    if (failureMode.isPresent()
        && !failureMode.get().equals("local")
        && !failureMode.get().equals("closed")) {
      throw fail(
          "general_settings.redis_failure_mode",
          "must be local or closed, got '" + failureMode.get() + "'");
    }
    long syncMillis =
        s.seconds("config_sync_interval_seconds")
            .orElse(GeneralSettings.DEFAULT_CONFIG_SYNC_MILLIS);
    List<String> alerting = new ArrayList<>();
    JsonNode alertNode = s.take("alerting");
    if (alertNode != null) {
      if (!alertNode.isArray()) {
        throw fail("general_settings.alerting", "must be a list, such as [\"webhook\"]");
      }
      for (JsonNode a : alertNode) {
        if (!a.isTextual()) {
          throw fail("general_settings.alerting", "must be a list of strings");
        }
        if (!a.asText().equals("webhook")) {
          warn(
              "general_settings.alerting",
              "'" + a.asText() + "' is not supported; only webhook is");
        }
        alerting.add(a.asText());
      }
    }
    Set<String> allowedEnv = new LinkedHashSet<>();
    JsonNode allowedNode = s.take("allowed_env_references");
    if (allowedNode != null && !allowedNode.isNull()) {
      if (!allowedNode.isArray()) {
        throw fail(
            "general_settings.allowed_env_references",
            "must be a list of environment variable names");
      }
      for (JsonNode a : allowedNode) {
        if (!a.isTextual() || a.asText().isBlank()) {
          throw fail("general_settings.allowed_env_references", "must be a list of strings");
        }
        allowedEnv.add(a.asText());
      }
    }
    boolean backgroundHealth = s.bool("background_health_checks").orElse(false);
    long healthInterval =
        s.seconds("health_check_interval")
            .orElse(GeneralSettings.DEFAULT_HEALTH_CHECK_INTERVAL_MILLIS);
    if (healthInterval <= 0) {
      throw fail("general_settings.health_check_interval", "must be more than 0 seconds");
    }
    GeneralSettings.Connections connections =
        new GeneralSettings.Connections(
            (int) Math.min(s.nonNegativeLong("max_connections").orElse(0), 1_000_000),
            positiveSeconds(s, "header_timeout_seconds")
                .orElse(GeneralSettings.Connections.DEFAULT_HEADER_TIMEOUT_MILLIS),
            positiveSeconds(s, "body_timeout_seconds")
                .orElse(GeneralSettings.Connections.DEFAULT_BODY_TIMEOUT_MILLIS),
            positiveSeconds(s, "idle_timeout_seconds")
                .orElse(GeneralSettings.Connections.DEFAULT_IDLE_TIMEOUT_MILLIS),
            s.positiveDecimal("max_buffered_request_mb")
                .map(mb -> mb.multiply(BigDecimal.valueOf(1024L * 1024)).longValue())
                .orElse(0L));
    ApiBaseDenylist denylist = ApiBaseDenylist.DEFAULT;
    JsonNode denyNode = s.take("api_base_denylist");
    if (denyNode != null && !denyNode.isNull()) {
      if (!denyNode.isArray()) {
        throw fail(
            "general_settings.api_base_denylist",
            "must be a list of CIDRs or host names, such as [\"169.254.0.0/16\"]");
      }
      List<String> entries = new ArrayList<>();
      for (JsonNode e : denyNode) {
        if (!e.isTextual()) {
          throw fail("general_settings.api_base_denylist", "must be a list of strings");
        }
        entries.add(e.asText());
      }
      try {
        denylist = ApiBaseDenylist.of(entries);
      } catch (IllegalArgumentException e) {
        throw fail("general_settings.api_base_denylist", String.valueOf(e.getMessage()));
      }
    }
    boolean jsonLogs = s.bool("json_logs").orElse(false);
    boolean allowMockTesting =
        s.bool("dangerously_allow_mock_testing_request_params").orElse(false);
    s.warnUnknown();
    return new GeneralSettings(
        masterKey,
        databaseUrl,
        storeModelInDb,
        maxRequestBytes,
        redisUrl,
        syncMillis,
        alerting,
        failureMode,
        allowedEnv,
        backgroundHealth,
        healthInterval,
        connections,
        denylist,
        jsonLogs,
        allowMockTesting);
  }

  /** A duration in seconds that must be more than zero, in milliseconds. */
  private OptionalLong positiveSeconds(Section s, String key) {
    OptionalLong v = s.seconds(key);
    if (v.isPresent() && v.getAsLong() <= 0) {
      throw fail("general_settings." + key, "must be more than 0 seconds");
    }
    return v;
  }

  /** The error classes of LiteLLM's {@code retry_policy}. */
  private static final List<String> RETRY_POLICY_CLASSES =
      List.of(
          "BadRequestErrorRetries",
          "AuthenticationErrorRetries",
          "TimeoutErrorRetries",
          "RateLimitErrorRetries",
          "ContentPolicyViolationErrorRetries",
          "InternalServerErrorRetries");

  /** The error classes of LiteLLM's {@code allowed_fails_policy}. */
  private static final List<String> ALLOWED_FAILS_CLASSES =
      List.of(
          "BadRequestErrorAllowedFails",
          "AuthenticationErrorAllowedFails",
          "TimeoutErrorAllowedFails",
          "RateLimitErrorAllowedFails",
          "ContentPolicyViolationErrorAllowedFails",
          "InternalServerErrorAllowedFails");

  /** The router keys LiteLLM also reads from {@code litellm_settings}. */
  private static final List<String> ROUTER_KEYS_IN_LITELLM_SETTINGS =
      List.of(
          "fallbacks",
          "default_fallbacks",
          "context_window_fallbacks",
          "content_policy_fallbacks",
          "num_retries",
          "allowed_fails",
          "cooldown_time",
          "max_fallbacks",
          "retry_policy",
          "allowed_fails_policy",
          "disable_cooldowns",
          "retry_after");

  private RouterSettings router(@Nullable JsonNode node, @Nullable JsonNode litellmSettings) {
    ObjectNode merged = JsonNodeFactory.instance.objectNode();
    if (litellmSettings != null && litellmSettings.isObject()) {
      // LiteLLM reads these from litellm_settings too; router_settings wins where both set one.
      for (String key : ROUTER_KEYS_IN_LITELLM_SETTINGS) {
        JsonNode v = litellmSettings.get(key);
        if (v != null) {
          merged.set(key, v);
        }
      }
    }
    if (node != null && !absent(node)) {
      merged.setAll(object(node, "router_settings"));
    }
    if (merged.isEmpty()) {
      return RouterSettings.defaults();
    }
    Section s = new Section(merged, "router_settings");
    String strategy = s.string("routing_strategy").orElse("simple-shuffle");
    if (strategy.equals("usage-based-routing")) {
      warn(
          "router_settings.routing_strategy",
          "usage-based-routing is LiteLLM's older name; usage-based-routing-v2 is used");
      strategy = "usage-based-routing-v2";
    }
    if (!RouterSettings.STRATEGIES.contains(strategy)) {
      throw fail(
          "router_settings.routing_strategy",
          "'" + strategy + "' is not a routing strategy; use one of " + RouterSettings.STRATEGIES);
    }
    int numRetries = (int) s.nonNegativeLong("num_retries").orElse(0);
    OptionalLong timeout = s.seconds("timeout");
    Map<String, String> aliases = new LinkedHashMap<>();
    JsonNode aliasNode = s.take("model_group_alias");
    if (aliasNode != null && !absent(aliasNode)) {
      String base = "router_settings.model_group_alias";
      for (Map.Entry<String, JsonNode> e : object(aliasNode, base).properties()) {
        JsonNode v = e.getValue();
        String target;
        if (v.isTextual()) {
          target = v.asText();
        } else if (v.isObject() && v.path("model").isTextual()) {
          target = v.path("model").asText();
        } else {
          throw fail(join(base, e.getKey()), "must be a model group name or {model: NAME}");
        }
        aliases.put(e.getKey(), target);
      }
    }
    Optional<String> redisHost = s.string("redis_host");
    OptionalLong redisPort = s.nonNegativeLong("redis_port");
    if (redisPort.isPresent() && (redisPort.getAsLong() < 1 || redisPort.getAsLong() > 65535)) {
      throw fail("router_settings.redis_port", "must be a port number from 1 to 65535");
    }
    Optional<String> redisPassword = s.string("redis_password");
    Map<String, SpendCap> providerBudgets = new LinkedHashMap<>();
    JsonNode budgetsNode = s.take("provider_budget_config");
    if (budgetsNode != null && !absent(budgetsNode)) {
      String base = "router_settings.provider_budget_config";
      for (Map.Entry<String, JsonNode> e : object(budgetsNode, base).properties()) {
        String path = join(base, e.getKey());
        Section b = new Section(object(e.getValue(), path), path);
        Optional<SpendCap> cap = cap(b, "budget_limit", "time_period");
        b.warnUnknown();
        providerBudgets.put(
            e.getKey(), cap.orElseThrow(() -> fail(join(path, "budget_limit"), "is required")));
      }
    }
    // LiteLLM's retry_after: whole or fractional seconds, 0 for none.
    long retryAfter =
        s.nonNegativeDecimal("retry_after")
            .map(d -> d.multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING))
            .map(BigDecimal::longValueExact)
            .orElse(0L);
    Map<String, Integer> retryPolicy = new LinkedHashMap<>();
    JsonNode policyNode = s.take("retry_policy");
    if (policyNode != null && !absent(policyNode)) {
      String base = "router_settings.retry_policy";
      for (Map.Entry<String, JsonNode> e : object(policyNode, base).properties()) {
        if (!RETRY_POLICY_CLASSES.contains(e.getKey())) {
          warn(
              join(base, e.getKey()),
              "is not an error class Tollgate knows (" + RETRY_POLICY_CLASSES + "); ignored");
          continue;
        }
        JsonNode v = e.getValue();
        if (!v.canConvertToInt() || v.asInt() < 0 || !v.isIntegralNumber()) {
          throw fail(join(base, e.getKey()), "must be a number of retries (0 or more)");
        }
        retryPolicy.put(e.getKey(), v.asInt());
      }
    }
    Map<String, List<String>> fallbacks = fallbackMap(s, "fallbacks");
    List<String> defaultFallbacks = groupList(s.take("default_fallbacks"), "default_fallbacks");
    Map<String, List<String>> contextFallbacks = fallbackMap(s, "context_window_fallbacks");
    Map<String, List<String>> policyFallbacks = fallbackMap(s, "content_policy_fallbacks");
    int maxFallbacks =
        (int)
            Math.min(
                s.nonNegativeLong("max_fallbacks").orElse(RouterSettings.DEFAULT_MAX_FALLBACKS),
                100);
    int allowedFails =
        (int)
            Math.min(
                s.nonNegativeLong("allowed_fails").orElse(RouterSettings.DEFAULT_ALLOWED_FAILS),
                1_000_000);
    long cooldown = s.seconds("cooldown_time").orElse(RouterSettings.DEFAULT_COOLDOWN_MILLIS);
    Map<String, Integer> failsPolicy = new LinkedHashMap<>();
    JsonNode failsNode = s.take("allowed_fails_policy");
    if (failsNode != null && !absent(failsNode)) {
      String base = "router_settings.allowed_fails_policy";
      for (Map.Entry<String, JsonNode> e : object(failsNode, base).properties()) {
        if (!ALLOWED_FAILS_CLASSES.contains(e.getKey())) {
          warn(
              join(base, e.getKey()),
              "is not an error class Tollgate knows (" + ALLOWED_FAILS_CLASSES + "); ignored");
          continue;
        }
        JsonNode v = e.getValue();
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
          throw fail(join(base, e.getKey()), "must be a number of failures (0 or more)");
        }
        failsPolicy.put(e.getKey(), v.asInt());
      }
    }
    boolean disableCooldowns = s.bool("disable_cooldowns").orElse(false);
    BigDecimal latencyBuffer = BigDecimal.ZERO;
    JsonNode argsNode = s.take("routing_strategy_args");
    if (argsNode != null && !absent(argsNode)) {
      String base = "router_settings.routing_strategy_args";
      Section a = new Section(object(argsNode, base), base);
      latencyBuffer = a.nonNegativeDecimal("lowest_latency_buffer").orElse(BigDecimal.ZERO);
      a.warnUnknown();
    }
    s.warnUnknown();
    return new RouterSettings(
        strategy,
        numRetries,
        timeout,
        aliases,
        redisHost,
        redisPort.isPresent() ? OptionalInt.of((int) redisPort.getAsLong()) : OptionalInt.empty(),
        redisPassword,
        providerBudgets,
        retryAfter,
        retryPolicy,
        fallbacks,
        defaultFallbacks,
        contextFallbacks,
        policyFallbacks,
        maxFallbacks,
        allowedFails,
        cooldown,
        failsPolicy,
        disableCooldowns,
        latencyBuffer);
  }

  /**
   * A fallback list as LiteLLM writes it, {@code [{"gpt-4o": ["claude", "gpt-4o-mini"]}, ...]}, or
   * one mapping; empty when absent.
   */
  private Map<String, List<String>> fallbackMap(Section s, String key) {
    JsonNode node = s.take(key);
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (node == null || absent(node)) {
      return out;
    }
    String base = "router_settings." + key;
    List<JsonNode> entries = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(entries::add);
    } else if (node.isObject()) {
      entries.add(node);
    } else {
      throw fail(base, "must be a list such as [{\"gpt-4o\": [\"gpt-4o-mini\"]}]");
    }
    for (int i = 0; i < entries.size(); i++) {
      JsonNode e = entries.get(i);
      String at = base + "[" + i + "]";
      if (!e.isObject()) {
        throw fail(at, "must be a mapping from a model group to its fallbacks");
      }
      for (Map.Entry<String, JsonNode> f : e.properties()) {
        List<String> targets = groupList(f.getValue(), key + "." + f.getKey());
        out.merge(
            f.getKey(),
            targets,
            (a, b) -> {
              List<String> both = new ArrayList<>(a);
              both.addAll(b);
              return both;
            });
      }
    }
    return out;
  }

  /** A list of model group names (or of {@code {model: NAME}}), as a fallback target list. */
  private List<String> groupList(@Nullable JsonNode node, String key) {
    List<String> out = new ArrayList<>();
    if (node == null || absent(node)) {
      return out;
    }
    String at = "router_settings." + key;
    if (node.isTextual()) {
      out.add(node.asText());
      return out;
    }
    if (!node.isArray()) {
      throw fail(at, "must be a list of model group names");
    }
    for (JsonNode t : node) {
      if (t.isTextual() && !t.asText().isBlank()) {
        out.add(t.asText());
      } else if (t.isObject() && t.path("model").isTextual()) {
        out.add(t.path("model").asText());
      } else {
        throw fail(at, "must be a list of model group names");
      }
    }
    return out;
  }

  private LitellmSettings litellm(@Nullable JsonNode node) {
    if (node == null || absent(node)) {
      return LitellmSettings.defaults();
    }
    ObjectNode obj = object(node, "litellm_settings");
    Section s = new Section(obj, "litellm_settings");
    Optional<BigDecimal> maxBudget = s.nonNegativeDecimal("max_budget");
    Optional<String> budgetDuration = s.duration("budget_duration");
    Optional<BigDecimal> maxEndUserBudget = s.nonNegativeDecimal("max_end_user_budget");
    Optional<String> maxEndUserBudgetId = s.string("max_end_user_budget_id");
    Optional<String> costMapUrl = s.string("model_cost_map_url");
    Optional<String> policy = s.string("unknown_price_policy");
    if (policy.isPresent() && !policy.get().equals("enforce") && !policy.get().equals("deny")) {
      throw fail(
          "litellm_settings.unknown_price_policy",
          "must be enforce or deny, got '" + policy.get() + "'");
    }
    s.nonNegativeLong("reservation_output_tokens");
    dropParams = s.bool("drop_params").orElse(false);
    boolean storeAuditLogs = s.bool("store_audit_logs").orElse(false);
    s.bool("turn_off_message_logging"); // read from the raw map: LitellmSettings.messagesRecorded
    List<String> callbacks = new ArrayList<>();
    for (String key : new String[] {"callbacks", "success_callback", "failure_callback"}) {
      for (String c : s.names(key)) {
        if (!callbacks.contains(c)) {
          callbacks.add(c);
        }
      }
    }
    for (String c : callbacks) {
      if (GUARDRAIL_CALLBACKS.contains(c)) {
        guardrail("litellm_settings.callbacks", List.of(c));
      } else if (!c.equals("prometheus")
          && !c.equals("generic_api")
          && !c.equals("generic")
          && !c.equals("otel")) {
        warn("litellm_settings.callbacks", "'" + c + "' is not implemented by Tollgate; ignored");
      }
    }
    boolean requireAuthForMetrics = s.bool("require_auth_for_metrics_endpoint").orElse(true);
    PrometheusMetricsConfig metricsConfig =
        prometheusMetricsConfig(s.take("prometheus_metrics_config"));
    Optional<CacheParams> cache = cache(s.bool("cache").orElse(false), s.take("cache_params"));
    Optional<String> timezone = s.string("timezone");
    if (timezone.isPresent()) {
      try {
        java.time.ZoneId.of(timezone.get());
      } catch (java.time.DateTimeException e) {
        throw fail("litellm_settings.timezone", "unknown time zone '" + timezone.get() + "'");
      }
    }
    for (String key : s.remaining()) {
      if (ROUTER_KEYS_IN_LITELLM_SETTINGS.contains(key)) {
        continue; // read with router_settings
      }
      warn("litellm_settings." + key, "not used by Tollgate yet; kept in the snapshot, no effect");
    }
    return new LitellmSettings(
        maxBudget,
        budgetDuration,
        maxEndUserBudget,
        maxEndUserBudgetId,
        costMapUrl,
        timezone,
        storeAuditLogs,
        callbacks,
        requireAuthForMetrics,
        metricsConfig,
        plainMap(obj),
        cache);
  }

  /** LiteLLM's names of the call types Tollgate caches, and the API each one is. */
  private static final Map<String, Endpoint> CACHED_CALL_TYPES =
      Map.of(
          "completion", Endpoint.CHAT,
          "acompletion", Endpoint.CHAT,
          "text_completion", Endpoint.COMPLETIONS,
          "atext_completion", Endpoint.COMPLETIONS,
          "embedding", Endpoint.EMBEDDINGS,
          "aembedding", Endpoint.EMBEDDINGS);

  /** LiteLLM's other call types: accepted, and never cached here. */
  private static final Set<String> UNCACHED_CALL_TYPES =
      Set.of(
          "transcription",
          "atranscription",
          "rerank",
          "arerank",
          "responses",
          "aresponses",
          "image_generation",
          "aimage_generation",
          "speech",
          "aspeech",
          "anthropic_messages",
          "amoderation",
          "moderation");

  /**
   * {@code cache} and {@code cache_params}: LiteLLM's {@code type} ({@code local} or {@code redis};
   * its other backends fail), {@code ttl} (seconds), {@code namespace}, {@code mode} ({@code
   * default_on} or {@code default_off}), {@code supported_call_types}, and Tollgate's {@code
   * per_key}, {@code max_size_in_memory} (answers) and {@code max_bytes_in_memory}. Redis
   * connection keys are warned about: the cache uses the gateway's Redis.
   */
  private Optional<CacheParams> cache(boolean on, @Nullable JsonNode node) {
    String path = "litellm_settings.cache_params";
    if (!on) {
      if (node != null) {
        warn(path, "has no effect without litellm_settings.cache: true");
      }
      return Optional.empty();
    }
    CacheParams d = CacheParams.defaults();
    if (node == null) {
      return Optional.of(d);
    }
    Section c = new Section(object(node, path), path);
    String type = c.string("type").orElse("local");
    CacheParams.Type t =
        switch (type) {
          case "local" -> CacheParams.Type.LOCAL;
          case "redis" -> CacheParams.Type.REDIS;
          default ->
              throw fail(
                  c.at("type"),
                  "'" + type + "' is not a cache type Tollgate implements; use local or redis");
        };
    long ttl = c.seconds("ttl").orElse(d.ttlMillis());
    Optional<String> namespace = c.string("namespace");
    String mode = c.string("mode").orElse("default_on");
    if (!mode.equals("default_on") && !mode.equals("default_off")) {
      throw fail(c.at("mode"), "must be default_on or default_off, got '" + mode + "'");
    }
    Set<Endpoint> endpoints = d.endpoints();
    if (c.has("supported_call_types")) {
      List<String> types = c.names("supported_call_types");
      endpoints = new java.util.HashSet<>();
      for (int i = 0; i < types.size(); i++) {
        String name = types.get(i);
        Endpoint e = CACHED_CALL_TYPES.get(name);
        if (e != null) {
          endpoints.add(e);
        } else if (UNCACHED_CALL_TYPES.contains(name)) {
          warn(
              c.at("supported_call_types") + "[" + i + "]",
              "'" + name + "' is not cached by Tollgate");
        } else {
          throw fail(
              c.at("supported_call_types") + "[" + i + "]",
              "'"
                  + name
                  + "' is not a LiteLLM call type; Tollgate caches "
                  + CACHED_CALL_TYPES.keySet());
        }
      }
    }
    boolean perKey = c.bool("per_key").orElse(false);
    long maxEntries = positive(c, "max_size_in_memory", d.maxEntries());
    long maxBytes = positive(c, "max_bytes_in_memory", d.maxBytes());
    for (String key : List.of("host", "port", "password", "url", "redis_url")) {
      if (c.take(key) != null) {
        warn(
            c.at(key),
            "not used: the cache uses the gateway's Redis (router_settings.redis_host, or"
                + " general_settings.redis_url; see docs/redis.md)");
      }
    }
    c.warnUnknown();
    return Optional.of(
        new CacheParams(
            t,
            ttl,
            namespace,
            mode.equals("default_off"),
            endpoints,
            perKey,
            maxEntries,
            maxBytes));
  }

  private long positive(Section c, String key, long fallback) {
    OptionalLong v = c.nonNegativeLong(key);
    if (v.isPresent() && v.getAsLong() == 0) {
      throw fail(c.at(key), "must be greater than 0");
    }
    return v.orElse(fallback);
  }

  /**
   * LiteLLM's {@code prometheus_metrics_config}: a list of {@code {group, metrics,
   * include_labels}}; each metric must be one Tollgate exports, each label one of every metric of
   * its group. Other keys of a group are warned about, as LiteLLM ignores them.
   */
  private PrometheusMetricsConfig prometheusMetricsConfig(@Nullable JsonNode node) {
    String path = "litellm_settings.prometheus_metrics_config";
    if (node == null) {
      return PrometheusMetricsConfig.ALL;
    }
    if (!node.isArray()) {
      throw fail(path, "must be a list of {group, metrics, include_labels}");
    }
    List<PrometheusMetricsConfig.Group> groups = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      String at = path + "[" + i + "]";
      Section g = new Section(object(node.get(i), at), at);
      String name =
          g.string("group").orElseThrow(() -> fail(at + ".group", "is required: the group's name"));
      if (g.take("metrics") == null) {
        throw fail(at + ".metrics", "is required: a list of metric names");
      }
      List<String> metrics = g.names("metrics");
      for (int j = 0; j < metrics.size(); j++) {
        if (!PrometheusMetricsConfig.LABELS.containsKey(metrics.get(j))) {
          throw fail(
              at + ".metrics[" + j + "]",
              "'"
                  + metrics.get(j)
                  + "' is not a metric Tollgate exports; one of "
                  + PrometheusMetricsConfig.names());
        }
      }
      Optional<List<String>> labels = Optional.empty();
      if (g.take("include_labels") != null) {
        List<String> ls = g.names("include_labels");
        for (int k = 0; k < ls.size(); k++) {
          for (String m : metrics) {
            List<String> valid = PrometheusMetricsConfig.LABELS.get(m);
            if (valid != null && !valid.contains(ls.get(k))) {
              throw fail(
                  at + ".include_labels[" + k + "]",
                  "'" + ls.get(k) + "' is not a label of " + m + "; its labels are " + valid);
            }
          }
        }
        labels = Optional.of(ls);
      }
      g.warnUnknown();
      groups.add(new PrometheusMetricsConfig.Group(name, metrics, labels));
    }
    return new PrometheusMetricsConfig(groups);
  }

  private List<DeploymentConfig> modelList(@Nullable JsonNode node) {
    if (node == null || absent(node)) {
      return List.of();
    }
    if (!node.isArray()) {
      throw fail("model_list", "must be a list of deployments");
    }
    List<DeploymentConfig> out = new ArrayList<>();
    Map<String, String> seenIds = new HashMap<>();
    for (int i = 0; i < node.size(); i++) {
      String path = "model_list[" + i + "]";
      DeploymentConfig d = deployment(node.get(i), path);
      String previous = seenIds.putIfAbsent(d.id(), path);
      if (previous != null) {
        throw fail(
            path + ".model_info.id", "duplicate id '" + d.id() + "' (also at " + previous + ")");
      }
      out.add(d);
    }
    return out;
  }

  /**
   * Parses one deployment entry, as the model admin API receives it; paths in messages start at
   * {@code body}. Warnings (unknown keys among them) are added to {@code warnings}.
   */
  public static DeploymentConfig parseDeployment(
      String source,
      JsonNode entry,
      Environment env,
      Set<String> allowedEnv,
      boolean dropParams,
      List<String> warnings) {
    ConfigLoader loader = new ConfigLoader(source, env);
    loader.allowedEnv = allowedEnv;
    loader.dropParams = dropParams;
    DeploymentConfig d = loader.deployment(loader.resolveEnv(entry, "body"), "body");
    warnings.addAll(loader.warnings);
    return d;
  }

  private DeploymentConfig deployment(JsonNode node, String path) {
    Section entry = new Section(object(node, path), path);
    String modelName =
        entry.string("model_name").orElseThrow(() -> fail(path + ".model_name", "is required"));
    JsonNode paramsNode = entry.take("litellm_params");
    if (paramsNode == null || absent(paramsNode)) {
      throw fail(path + ".litellm_params", "is required");
    }
    LitellmParams params =
        params(object(paramsNode, path + ".litellm_params"), path + ".litellm_params");
    Map<String, Object> info = new LinkedHashMap<>();
    Map<RateKey, BigDecimal> infoRates = new EnumMap<>(RateKey.class);
    String id = null;
    JsonNode infoNode = entry.take("model_info");
    if (infoNode != null && !absent(infoNode)) {
      String infoPath = path + ".model_info";
      for (Map.Entry<String, JsonNode> e : object(infoNode, infoPath).properties()) {
        String key = e.getKey();
        JsonNode v = e.getValue();
        if (v.isNull()) {
          continue;
        }
        if (key.equals("id")) {
          if (!v.isTextual() && !v.isNumber()) {
            throw fail(infoPath + ".id", "must be a string");
          }
          id = v.asText();
          if (id.isBlank()) {
            throw fail(infoPath + ".id", "must not be empty");
          }
          continue;
        }
        Optional<RateKey> rate = RateKey.fromLiteLlmName(key);
        if (rate.isPresent()) {
          infoRates.put(rate.get(), rate(v, join(infoPath, key)));
          continue;
        }
        if (key.startsWith("health_check_")) {
          healthCheck(key, v, join(infoPath, key));
        }
        if (!MODEL_INFO_KEYS.contains(key) && !key.startsWith("supports_")) {
          warn(join(infoPath, key), "unknown model_info key; kept as information only");
        }
        info.put(key, plain(v));
      }
    }
    entry.warnUnknown();
    if (!infoRates.isEmpty()) {
      // LiteLLM also reads cost keys from model_info; litellm_params wins where both give one.
      Map<RateKey, BigDecimal> merged = new EnumMap<>(RateKey.class);
      merged.putAll(infoRates);
      merged.putAll(params.customRates());
      params =
          new LitellmParams(
              params.model(),
              params.provider(),
              params.providerModel(),
              params.apiBase(),
              params.apiKey(),
              params.apiVersion(),
              params.timeoutMillis(),
              params.streamTimeoutMillis(),
              params.maxRetries(),
              params.rpm(),
              params.tpm(),
              params.budget(),
              params.weight(),
              merged,
              params.extra());
    }
    if (id == null) {
      id = derivedId(modelName, paramsNode);
    }
    return new DeploymentConfig(modelName, id, params, info);
  }

  /** A {@code model_info.health_check_*} key: what the deployment's health check sends. */
  private void healthCheck(String key, JsonNode v, String path) {
    switch (key) {
      case "health_check_model" -> {
        if (!v.isTextual() || v.asText().isBlank()) {
          throw fail(path, "must be a model, such as openai/gpt-4o-mini");
        }
      }
      case "health_check_timeout" -> {
        if (!v.isNumber()
            || v.decimalValue().signum() <= 0
            || v.decimalValue().compareTo(BigDecimal.valueOf(86_400)) > 0) {
          throw fail(path, "must be a number of seconds, more than 0 and at most 86400");
        }
      }
      case "health_check_max_tokens" -> {
        if (!v.isIntegralNumber() || v.longValue() < 1 || v.longValue() > 1_000_000) {
          throw fail(path, "must be a whole number of tokens from 1 to 1000000");
        }
      }
      default -> {}
    }
  }

  private LitellmParams params(ObjectNode obj, String path) {
    Section s = new Section(obj, path);
    String model = s.string("model").orElseThrow(() -> fail(path + ".model", "is required"));
    String provider;
    String providerModel;
    int slash = model.indexOf('/');
    if (slash < 0) {
      provider = "openai";
      providerModel = model;
    } else {
      provider = model.substring(0, slash);
      providerModel = model.substring(slash + 1);
    }
    if (provider.isEmpty() || providerModel.isEmpty()) {
      throw fail(
          path + ".model",
          "must be PROVIDER/MODEL, such as openai/gpt-4o-mini; got '" + model + "'");
    }
    Optional<String> apiBase = s.string("api_base");
    if (apiBase.isPresent()) {
      String base = apiBase.get();
      try {
        java.net.URI uri = new java.net.URI(base);
        if (uri.getHost() == null || !(base.startsWith("http://") || base.startsWith("https://"))) {
          throw new java.net.URISyntaxException(base, "needs http:// or https:// and a host");
        }
      } catch (java.net.URISyntaxException e) {
        throw fail(path + ".api_base", "is not a valid http(s) URL: '" + base + "'");
      }
    }
    Optional<String> apiKey = s.string("api_key");
    if (apiKey.isEmpty() && provider.equals("gemini") && allowedEnv == null) {
      // LiteLLM's default for Gemini; only for the config file, since a model stored through
      // the API may read only the variables it is allowed to name.
      apiKey = env.get("GEMINI_API_KEY");
    }
    Optional<String> apiVersion = s.string("api_version");
    OptionalLong timeout = s.seconds("timeout");
    OptionalLong streamTimeout = s.seconds("stream_timeout");
    OptionalLong maxRetries = s.nonNegativeLong("max_retries");
    OptionalLong rpm = s.nonNegativeLong("rpm");
    OptionalLong tpm = s.nonNegativeLong("tpm");
    OptionalLong weight = s.nonNegativeLong("weight");
    if (weight.isPresent() && weight.getAsLong() == 0) {
      throw fail(path + ".weight", "must be at least 1");
    }
    Optional<SpendCap> budget = cap(s, "max_budget", "budget_duration");
    Map<RateKey, BigDecimal> rates = new EnumMap<>(RateKey.class);
    Map<String, Object> extra = new LinkedHashMap<>();
    // The deployment's own drop_params wins over litellm_settings'; ChatParams reads it.
    if (s.bool("drop_params").orElse(dropParams)) {
      extra.put("drop_params", true);
    }
    for (String key : s.remaining()) {
      JsonNode v = obj.get(key);
      Optional<RateKey> rate = RateKey.fromLiteLlmName(key);
      if (rate.isPresent()) {
        s.take(key);
        if (v != null && !v.isNull()) {
          rates.put(rate.get(), rate(v, join(path, key)));
        }
      } else if (PROVIDER_KEYS.contains(key)) {
        s.take(key);
        String noEffect = NO_EFFECT_PARAMS.get(key);
        if (noEffect != null) {
          warn(join(path, key), noEffect);
        }
        if (v != null && !v.isNull()) {
          extra.put(key, plain(v));
        }
      } else if (key.contains("cost")) {
        s.take(key);
        warn(join(path, key), "is not a price Tollgate understands; it is not used for billing");
      }
    }
    s.warnUnknown();
    if (provider.equals("vertex_ai") && allowedEnv == null) {
      // LiteLLM's defaults for Vertex AI, for the config file only (as GEMINI_API_KEY above).
      env.get("VERTEXAI_PROJECT").ifPresent(v -> extra.putIfAbsent("vertex_project", v));
      env.get("VERTEXAI_LOCATION").ifPresent(v -> extra.putIfAbsent("vertex_location", v));
      env.get("GOOGLE_APPLICATION_CREDENTIALS")
          .ifPresent(v -> extra.putIfAbsent("vertex_credentials", v));
    }
    return new LitellmParams(
        model,
        provider,
        providerModel,
        apiBase,
        apiKey,
        apiVersion,
        timeout,
        streamTimeout,
        maxRetries.isPresent() ? OptionalInt.of((int) maxRetries.getAsLong()) : OptionalInt.empty(),
        rpm,
        tpm,
        budget,
        weight.isPresent() ? (int) Math.min(weight.getAsLong(), Integer.MAX_VALUE) : 1,
        rates,
        extra);
  }

  /**
   * A budget and its window from {@code s}, each under its name or LiteLLM's other name for it
   * ({@code max_budget} or {@code budget_limit}, {@code budget_duration} or {@code time_period}).
   * Empty without an amount; a window without one is ignored with a warning, as LiteLLM ignores it.
   */
  private Optional<SpendCap> cap(Section s, String amountKey, String durationKey) {
    String otherAmount = amountKey.equals("max_budget") ? "budget_limit" : "max_budget";
    String otherDuration =
        durationKey.equals("budget_duration") ? "time_period" : "budget_duration";
    String amountName = s.has(otherAmount) && !s.has(amountKey) ? otherAmount : amountKey;
    String durationName = s.has(otherDuration) && !s.has(durationKey) ? otherDuration : durationKey;
    if (s.has(amountKey) && s.has(otherAmount)) {
      throw fail(s.at(otherAmount), "is another name for " + amountKey + "; set one of them");
    }
    if (s.has(durationKey) && s.has(otherDuration)) {
      throw fail(s.at(otherDuration), "is another name for " + durationKey + "; set one of them");
    }
    OptionalLong nanos = s.nanos(amountName);
    Optional<String> text = s.duration(durationName);
    Optional<BudgetDuration> duration;
    try {
      duration = text.map(BudgetDuration::parse);
    } catch (IllegalArgumentException e) {
      throw fail(s.at(durationName), String.valueOf(e.getMessage()));
    }
    if (nanos.isEmpty()) {
      if (duration.isPresent()) {
        warn(s.at(durationName), "has no effect without " + amountKey);
      }
      return Optional.empty();
    }
    return Optional.of(new SpendCap(nanos.getAsLong(), duration));
  }

  /** A stable id for an entry without {@code model_info.id}: a hash of what defines it. */
  private static String derivedId(String modelName, JsonNode params) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(modelName.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(canonical(params).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }

  private static String canonical(JsonNode node) {
    if (node.isObject()) {
      List<String> keys = new ArrayList<>();
      node.fieldNames().forEachRemaining(keys::add);
      keys.sort(null);
      StringBuilder sb = new StringBuilder("{");
      for (String k : keys) {
        sb.append(k).append(':').append(canonical(node.get(k))).append(',');
      }
      return sb.append('}').toString();
    }
    if (node.isArray()) {
      StringBuilder sb = new StringBuilder("[");
      for (JsonNode n : node) {
        sb.append(canonical(n)).append(',');
      }
      return sb.append(']').toString();
    }
    return node.toString();
  }

  // --- helpers ----------------------------------------------------------------------------------

  private void warn(String path, String message) {
    warnings.add(source + ": " + path + ": " + message);
  }

  private ConfigException fail(String path, String problem) {
    return new ConfigException(source, path, problem);
  }

  private ObjectNode object(JsonNode node, String path) {
    if (!(node instanceof ObjectNode obj)) {
      throw fail(path, "must be a mapping of keys to values");
    }
    return obj;
  }

  /** The most a token may cost: far above any real price, far below a typo's 1e1000000. */
  static final BigDecimal MAX_TOKEN_RATE = BigDecimal.ONE;

  /** The most any other unit (an image, a second, a query) may cost, in USD. */
  static final BigDecimal MAX_OTHER_RATE = BigDecimal.valueOf(1000);

  /** The most decimal places a rate may have: prices are exact, not arbitrarily fine. */
  static final int MAX_RATE_SCALE = 20;

  /**
   * A rate: a number or numeric string, exact, not negative, and within sane bounds (at most 1 USD
   * a token, 1,000 USD for any other unit, 20 decimal places). A rate such as {@code 1e1000000}
   * would make every cost computed with it a number of a million digits, on the request path.
   */
  private BigDecimal rate(JsonNode v, String path) {
    BigDecimal d;
    if (v.isNumber()) {
      d = v.decimalValue();
    } else {
      try {
        d = new BigDecimal(v.asText().trim());
      } catch (NumberFormatException e) {
        throw fail(path, "must be a number, got '" + v.asText() + "'");
      }
    }
    if (d.signum() < 0) {
      throw fail(path, "must not be negative, got " + d.toPlainString());
    }
    BigDecimal max =
        path.endsWith("per_token") || path.contains("per_token_") ? MAX_TOKEN_RATE : MAX_OTHER_RATE;
    if (d.compareTo(max) > 0) {
      throw fail(
          path, "must be at most " + max.toPlainString() + " USD, got " + d.toEngineeringString());
    }
    if (d.stripTrailingZeros().scale() > MAX_RATE_SCALE) {
      throw fail(path, "must have at most " + MAX_RATE_SCALE + " decimal places");
    }
    return d;
  }

  private static boolean absent(@Nullable JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode();
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** A JSON tree as plain immutable Java values (String, BigDecimal, Long, Boolean, List, Map). */
  static Object plain(JsonNode v) {
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      BigInteger i = v.bigIntegerValue();
      return i.bitLength() < 63 ? (Object) i.longValue() : new BigDecimal(i);
    }
    if (v.isNumber()) {
      return v.decimalValue();
    }
    if (v.isArray()) {
      List<Object> list = new ArrayList<>();
      for (JsonNode n : v) {
        if (!n.isNull()) {
          list.add(plain(n));
        }
      }
      return List.copyOf(list);
    }
    if (v.isObject()) {
      return plainMap((ObjectNode) v);
    }
    return v.asText();
  }

  private static Map<String, Object> plainMap(ObjectNode obj) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : obj.properties()) {
      if (!e.getValue().isNull()) {
        map.put(e.getKey(), plain(e.getValue()));
      }
    }
    return java.util.Collections.unmodifiableMap(map);
  }

  /** Typed reads from one mapping; every key read is marked, and the rest can be warned about. */
  private final class Section {
    private final ObjectNode obj;
    private final String path;
    private final Set<String> seen = new java.util.HashSet<>();

    Section(ObjectNode obj, String path) {
      this.obj = obj;
      this.path = path;
    }

    @Nullable JsonNode take(String key) {
      seen.add(key);
      JsonNode v = obj.get(key);
      return v == null || v.isNull() ? null : v;
    }

    List<String> remaining() {
      List<String> keys = new ArrayList<>();
      obj.fieldNames()
          .forEachRemaining(
              k -> {
                if (!seen.contains(k)) {
                  keys.add(k);
                }
              });
      return keys;
    }

    void warnUnknown() {
      for (String key : remaining()) {
        warn(join(path, key), "unknown key; it has no effect in Tollgate");
      }
    }

    Optional<String> string(String key) {
      JsonNode v = take(key);
      if (v == null) {
        return Optional.empty();
      }
      if (!v.isTextual() && !v.isNumber()) {
        throw fail(join(path, key), "must be a string");
      }
      return Optional.of(v.asText());
    }

    /** A string or a list of strings; empty when absent. */
    List<String> names(String key) {
      JsonNode v = take(key);
      if (v == null) {
        return List.of();
      }
      if (v.isTextual()) {
        return List.of(v.asText());
      }
      if (!v.isArray()) {
        throw fail(join(path, key), "must be a list of names");
      }
      List<String> out = new ArrayList<>();
      for (JsonNode e : v) {
        if (!e.isTextual()) {
          throw fail(join(path, key), "must be a list of names");
        }
        out.add(e.asText());
      }
      return out;
    }

    Optional<Boolean> bool(String key) {
      JsonNode v = take(key);
      if (v == null) {
        return Optional.empty();
      }
      if (v.isBoolean()) {
        return Optional.of(v.booleanValue());
      }
      if (v.isTextual()
          && (v.asText().equalsIgnoreCase("true") || v.asText().equalsIgnoreCase("false"))) {
        return Optional.of(Boolean.parseBoolean(v.asText()));
      }
      throw fail(join(path, key), "must be true or false");
    }

    Optional<BigDecimal> decimal(String key) {
      JsonNode v = take(key);
      if (v == null) {
        return Optional.empty();
      }
      if (v.isNumber()) {
        return Optional.of(v.decimalValue());
      }
      if (v.isTextual()) {
        try {
          return Optional.of(new BigDecimal(v.asText().trim()));
        } catch (NumberFormatException e) {
          // fall through to the error below
        }
      }
      throw fail(join(path, key), "must be a number, got '" + v.asText() + "'");
    }

    Optional<BigDecimal> nonNegativeDecimal(String key) {
      Optional<BigDecimal> d = decimal(key);
      if (d.isPresent() && d.get().signum() < 0) {
        throw fail(join(path, key), "must not be negative, got " + d.get().toPlainString());
      }
      return d;
    }

    Optional<BigDecimal> positiveDecimal(String key) {
      Optional<BigDecimal> d = decimal(key);
      if (d.isPresent() && d.get().signum() <= 0) {
        throw fail(join(path, key), "must be greater than 0, got " + d.get().toPlainString());
      }
      return d;
    }

    /** Whether the key is present with a value. */
    boolean has(String key) {
      return !absent(obj.get(key));
    }

    /** The path of {@code key} in this section, for messages. */
    String at(String key) {
      return join(path, key);
    }

    /** A dollar amount as exact nano-USD: not negative, at most 9 decimal places. */
    OptionalLong nanos(String key) {
      Optional<BigDecimal> d = nonNegativeDecimal(key);
      if (d.isEmpty()) {
        return OptionalLong.empty();
      }
      try {
        return OptionalLong.of(
            d.get().movePointRight(9).stripTrailingZeros().toBigIntegerExact().longValueExact());
      } catch (ArithmeticException e) {
        throw fail(
            join(path, key),
            "must be a dollar amount with at most 9 decimal places (1 nano-USD) and below 9.2e9,"
                + " got "
                + d.get().toPlainString());
      }
    }

    OptionalLong nonNegativeLong(String key) {
      Optional<BigDecimal> d = nonNegativeDecimal(key);
      if (d.isEmpty()) {
        return OptionalLong.empty();
      }
      try {
        return OptionalLong.of(d.get().longValueExact());
      } catch (ArithmeticException e) {
        throw fail(join(path, key), "must be a whole number, got " + d.get().toPlainString());
      }
    }

    /** A duration in seconds (fractions allowed), as milliseconds. */
    OptionalLong seconds(String key) {
      Optional<BigDecimal> d = positiveDecimal(key);
      return d.isEmpty()
          ? OptionalLong.empty()
          : OptionalLong.of(
              d.get()
                  .multiply(BigDecimal.valueOf(1000))
                  .setScale(0, java.math.RoundingMode.CEILING)
                  .longValue());
    }

    /**
     * A LiteLLM budget duration such as {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d}, {@code
     * 1mo}.
     */
    Optional<String> duration(String key) {
      Optional<String> d = string(key);
      if (d.isPresent() && !d.get().matches("[1-9][0-9]*(s|m|h|d|w|mo)")) {
        throw fail(
            join(path, key),
            "must be a duration such as 30s, 10m, 1h, 7d or 1mo, got '" + d.get() + "'");
      }
      return d;
    }
  }
}

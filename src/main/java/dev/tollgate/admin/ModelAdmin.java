package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.ApiBaseDenylist;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.DeploymentConfig;
import dev.tollgate.config.Environment;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.governance.Actor;
import dev.tollgate.governance.AuditEvent;
import dev.tollgate.governance.AuditLog;
import dev.tollgate.pricing.Catalog;
import dev.tollgate.pricing.CatalogEntry;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.RateKey;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.ModelGroup;
import dev.tollgate.routing.ModelRegistrar;
import dev.tollgate.routing.ModelRegistry;
import dev.tollgate.routing.ModelStore;
import dev.tollgate.secrets.ModelSecrets;
import dev.tollgate.secrets.SecretCipher;
import dev.tollgate.secrets.SecretException;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model admin API (LiteLLM's {@code /model/*} paths and fields). One instance shared by every
 * event loop: mutations are serialised on it and swap a new registry snapshot; reads render the
 * current snapshot. Prices shown are the ones the registry resolved, the same values billing uses.
 * Secrets are never rendered, and are stored sealed by the salt key ({@link SecretCipher}); they
 * are opened once, when a stored body is registered, never per request.
 */
public final class ModelAdmin {
  private static final Set<String> BODY_FIELDS =
      Set.of("model_name", "litellm_params", "model_info");

  private static final Logger LOG = LoggerFactory.getLogger(ModelAdmin.class);

  private final ModelRegistrar registrar;
  private final Environment env;
  private final ModelStore store;
  private final Runnable changed;
  private final Optional<SecretCipher> cipher;
  private final Optional<AuditLog> audit;
  private Map<String, ObjectNode> rawInputs = new LinkedHashMap<>();
  private volatile Map<String, String> unreadable = Map.of();

  /** The variables a stored model's {@code os.environ/} references may name. */
  private final java.util.Set<String> allowedEnv;

  /** Where {@code api_base} of an API-created model may not point. */
  private final ApiBaseDenylist denylist;

  /** {@code litellm_settings.drop_params}: the default of a stored model's own. */
  private final boolean dropParams;

  /**
   * @param audit where every change is recorded, when {@code store_audit_logs} is on
   */
  public ModelAdmin(
      ModelRegistrar registrar,
      Environment env,
      java.util.Set<String> allowedEnv,
      ApiBaseDenylist denylist,
      boolean dropParams,
      ModelStore store,
      Runnable changed,
      Optional<AuditLog> audit) {
    this.audit = audit;
    this.allowedEnv = java.util.Set.copyOf(allowedEnv);
    this.denylist = denylist;
    this.dropParams = dropParams;
    this.registrar = registrar;
    this.env = env;
    this.store = store;
    this.changed = changed;
    this.cipher = SecretCipher.fromEnvironment(env);
  }

  /**
   * Stored models whose secrets could not be decrypted at the last sync (id to the reason, naming
   * the model): they are not served from that row; an instance that had them registered before
   * keeps its earlier version.
   */
  public Map<String, String> unreadableModels() {
    return unreadable;
  }

  /**
   * Re-reads every stored deployment and rebuilds the registry from the store and the config file,
   * as each instance does periodically and on change notifications. Rows the config file shadows
   * (same id) are left out: the config file wins. A row that can no longer be registered is left
   * out with an error in the log; the rest still sync. Blocking: call it off the event loop.
   *
   * @return how many stored deployments are registered
   */
  public synchronized int syncFromStore() {
    List<ModelStore.StoredModel> rows = store.loadAll();
    Map<String, DeploymentConfig> api = new LinkedHashMap<>();
    Map<String, ObjectNode> raws = new LinkedHashMap<>();
    Map<String, String> failed = new LinkedHashMap<>();
    List<String> plaintext = new ArrayList<>();
    for (ModelStore.StoredModel row : rows) {
      if (registrar.inConfig(row.id())) {
        LOG.warn(
            "stored model {} is shadowed by the config file's deployment with that id", row.id());
        continue;
      }
      ObjectNode stored;
      try {
        stored = object(row.json().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        LOG.error("stored model {} is not a JSON object and is left out", row.id());
        continue;
      }
      ObjectNode node;
      try {
        node = ModelSecrets.open(stored, cipher);
      } catch (SecretException e) {
        String why = ModelSecrets.describe(row.id(), stored) + ": cannot decrypt " + e.getMessage();
        failed.put(row.id(), why);
        ObjectNode previous = rawInputs.get(row.id());
        Optional<DeploymentConfig> registered = registrar.apiInput(row.id());
        if (previous != null && registered.isPresent()) {
          LOG.error("{}; keeping the version registered earlier", why);
          api.put(row.id(), registered.get());
          raws.put(row.id(), previous);
        } else {
          LOG.error("{}; the model is not served", why);
        }
        continue;
      }
      if (!ModelSecrets.plaintext(stored).isEmpty()) {
        plaintext.add(row.id());
      }
      try {
        DeploymentConfig d = parse(node);
        registrar.check(d);
        api.put(d.id(), d);
        raws.put(d.id(), node);
      } catch (RuntimeException e) {
        LOG.error(
            "stored model {} cannot be registered and is left out: {}", row.id(), e.getMessage());
      }
    }
    if (!plaintext.isEmpty()) {
      LOG.warn(
          "stored model(s) {} keep secrets in plaintext (written before encryption at rest);{}",
          plaintext,
          cipher.isPresent()
              ? " they are encrypted on their next change, or now by `tollgate rotate-salt-key`"
              : " set " + SecretCipher.ENV + " and run `tollgate rotate-salt-key` to encrypt them");
    }
    registrar.replaceApi(api);
    rawInputs = raws;
    unreadable = Map.copyOf(failed);
    return api.size();
  }

  /** {@code POST /model/new}: registers a deployment; 409 if its id is taken. */
  public synchronized ObjectNode create(Actor actor, byte[] body) {
    ObjectNode node = object(body);
    rejectUnknownTopLevel(node);
    ObjectNode info = node.with("model_info");
    String id;
    if (info.hasNonNull("id")) {
      id = info.get("id").asText();
      if (registrar.exists(id)) {
        throw GatewayException.of(
            409,
            "invalid_request_error",
            "model_info.id",
            "model_exists",
            "a model with id '" + id + "' already exists; use /model/update to change it");
      }
    } else {
      id = UUID.randomUUID().toString();
      info.put("id", id);
    }
    DeploymentConfig d = parse(node);
    checkApiBase(d);
    register(d, node);
    record(actor, "created", id, Optional.empty(), Optional.of(node));
    return render(registrar.registry().deployment(id).orElseThrow());
  }

  /**
   * {@code POST /model/update} and {@code PATCH /model/{id}/update}: merges the given fields into
   * the deployment (litellm_params and model_info key by key) and re-registers it.
   */
  public synchronized ObjectNode update(Actor actor, @Nullable String pathId, byte[] body) {
    ObjectNode patch = object(body);
    rejectUnknownTopLevel(patch);
    String id = pathId;
    JsonNode bodyId = patch.path("model_info").path("id");
    if (id == null) {
      if (!bodyId.isTextual() && !bodyId.isNumber()) {
        throw GatewayException.badRequest(
            "model_info.id", "model_info.id is required to update a model");
      }
      id = bodyId.asText();
    } else if (!bodyId.isMissingNode() && !bodyId.isNull() && !bodyId.asText().equals(id)) {
      throw GatewayException.badRequest(
          "model_info.id",
          "model_info.id '" + bodyId.asText() + "' does not match the path id '" + id + "'");
    }
    ObjectNode current = existingApiInput(id);
    ObjectNode merged = current.deepCopy();
    if (patch.has("model_name")) {
      merged.set("model_name", patch.get("model_name"));
    }
    for (String section : new String[] {"litellm_params", "model_info"}) {
      JsonNode p = patch.get(section);
      if (p == null || p.isNull()) {
        continue;
      }
      if (!p.isObject()) {
        throw GatewayException.badRequest(section, section + " must be an object");
      }
      ObjectNode target = merged.with(section);
      for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getValue().isNull()) {
          target.remove(e.getKey());
        } else {
          target.set(e.getKey(), e.getValue());
        }
      }
    }
    merged.with("model_info").put("id", id);
    DeploymentConfig d = parse(merged);
    checkApiBase(d);
    register(d, merged);
    record(actor, "updated", id, Optional.of(current), Optional.of(merged));
    return render(registrar.registry().deployment(id).orElseThrow());
  }

  /** {@code POST /model/delete}: removes a deployment; requests using it finish. */
  public synchronized ObjectNode delete(Actor actor, byte[] body) {
    ObjectNode node = object(body);
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("id")) {
        throw GatewayException.badRequest(f, "unknown field '" + f + "'; expected {\"id\": ...}");
      }
    }
    JsonNode idNode = node.get("id");
    if (idNode == null || !(idNode.isTextual() || idNode.isNumber())) {
      throw GatewayException.badRequest("id", "id is required");
    }
    String id = idNode.asText();
    ObjectNode was = existingApiInput(id);
    try {
      store.delete(id);
    } catch (RuntimeException e) {
      throw storeDown(e);
    }
    record(actor, "deleted", id, Optional.of(was), Optional.empty());
    registrar.remove(id);
    rawInputs.remove(id);
    changed.run();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("message", "Model: " + id + " deleted successfully");
    out.put("id", id);
    return out;
  }

  /**
   * Writes a change to the audit log, credentials redacted. After the store write: a failure here
   * is logged and answered as an error, although the model change stands.
   */
  private void record(
      Actor actor,
      String action,
      String id,
      Optional<ObjectNode> before,
      Optional<ObjectNode> after) {
    if (audit.isEmpty()) {
      return;
    }
    try {
      audit
          .get()
          .append(
              List.of(
                  new AuditEvent(
                      actor,
                      action,
                      AuditEvent.MODEL_TABLE,
                      id,
                      before.map(b -> ModelSecrets.redacted(b).toString()),
                      after.map(a -> ModelSecrets.redacted(a).toString()))));
    } catch (RuntimeException e) {
      LOG.error("model {} was {} but its audit record could not be written", id, action, e);
      throw storeDown(e);
    }
  }

  /** The API-created input for {@code id}, or 404; config-file models cannot be changed here. */
  private ObjectNode existingApiInput(String id) {
    ObjectNode raw = rawInputs.get(id);
    if (raw != null) {
      return raw;
    }
    Optional<Deployment> d = registrar.registry().deployment(id);
    if (d.isPresent()) {
      throw GatewayException.badRequest(
          "id", "model '" + id + "' is defined in the config file and can only be changed there");
    }
    throw GatewayException.notFound("id", "no model with id '" + id + "'");
  }

  private DeploymentConfig parse(ObjectNode node) {
    List<String> warnings = new ArrayList<>();
    DeploymentConfig d;
    try {
      d = ConfigLoader.parseDeployment("request body", node, env, allowedEnv, dropParams, warnings);
    } catch (ConfigException e) {
      throw GatewayException.badRequest(paramOf(e.path()), e.getMessage());
    }
    List<String> unknown = warnings.stream().filter(w -> w.contains("unknown")).toList();
    if (!unknown.isEmpty()) {
      throw GatewayException.badRequest(null, String.join("; ", unknown));
    }
    if (!dev.tollgate.provider.Providers.supports(d.params().provider())) {
      throw GatewayException.badRequest(
          "litellm_params.model",
          "provider '" + d.params().provider() + "' is not supported by this version of Tollgate");
    }
    // The same check the config file gets: a deployment the gateway could not call is refused.
    var invalid = dev.tollgate.provider.Providers.validate(d.params());
    if (invalid.isPresent()) {
      String param = "litellm_params." + invalid.get().param();
      throw GatewayException.badRequest(param, param + " " + invalid.get().problem());
    }
    return d;
  }

  /**
   * Refuses an {@code api_base} on the deny-list. Resolves the host name, so it blocks: the
   * mutations run on a worker thread (see {@code AdminRoutes.mutate}). Stored rows are not checked
   * again at sync: they were checked when written.
   */
  private void checkApiBase(DeploymentConfig d) {
    Optional<String> base = d.params().apiBase();
    if (base.isEmpty()) {
      return;
    }
    Optional<String> denied = denylist.check(base.get(), ApiBaseDenylist.SYSTEM);
    if (denied.isPresent()) {
      throw GatewayException.badRequest(
          "litellm_params.api_base",
          "litellm_params.api_base is not allowed: "
              + denied.get()
              + " (general_settings.api_base_denylist)");
    }
  }

  /** Validates, writes to the store, then swaps the registry: all or nothing. */
  private void register(DeploymentConfig d, ObjectNode raw) {
    try {
      registrar.check(d);
    } catch (ModelRegistrar.RegistrationException e) {
      throw GatewayException.badRequest("litellm_params", e.getMessage());
    }
    ObjectNode sealed;
    if (cipher.isPresent()) {
      sealed = ModelSecrets.seal(raw, cipher.get());
    } else {
      List<String> plain = ModelSecrets.plaintext(raw);
      if (!plain.isEmpty()) {
        throw GatewayException.badRequest(
            plain.get(0),
            plain.get(0)
                + " is a secret, and secrets are stored only encrypted: set "
                + SecretCipher.ENV
                + " (or "
                + SecretCipher.LITELLM_ENV
                + ") to a long random value and restart, or pass the secret as an"
                + " os.environ/ reference");
      }
      sealed = raw;
    }
    try {
      store.upsert(
          new ModelStore.StoredModel(d.id(), sealed.toString(), System.currentTimeMillis()));
    } catch (RuntimeException e) {
      throw storeDown(e);
    }
    registrar.put(d);
    rawInputs.put(d.id(), raw.deepCopy());
    changed.run();
  }

  private static GatewayException storeDown(RuntimeException e) {
    return GatewayException.of(
        503,
        "api_error",
        null,
        "store_unavailable",
        "the store could not save the change, so nothing was changed: " + e.getMessage());
  }

  private static String paramOf(String path) {
    return path.startsWith("body.") ? path.substring(5) : path;
  }

  private static void rejectUnknownTopLevel(ObjectNode node) {
    List<String> unknown = new ArrayList<>();
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!BODY_FIELDS.contains(f)) {
                unknown.add(f);
              }
            });
    if (!unknown.isEmpty()) {
      throw GatewayException.badRequest(
          unknown.get(0),
          "unknown field(s) " + unknown + "; expected model_name, litellm_params, model_info");
    }
  }

  private static ObjectNode object(byte[] body) {
    try {
      JsonNode n = Json.STRICT_MAPPER.readTree(body);
      if (n instanceof ObjectNode o) {
        return o;
      }
      throw GatewayException.badRequest(null, "request body must be a JSON object");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw Json.invalid(e);
    } catch (IOException e) {
      throw GatewayException.badRequest(null, "request body is not valid JSON: " + e.getMessage());
    }
  }

  // --- reads ------------------------------------------------------------------------------------

  /**
   * {@code GET /model/info}: every deployment, or one with {@code litellm_model_id}, of the model
   * groups {@code visible} admits; another group's deployment is answered as if it did not exist.
   */
  ObjectNode info(@Nullable String id, Predicate<String> visible) {
    ModelRegistry r = registrar.registry();
    ArrayNode data = JsonNodeFactory.instance.arrayNode();
    for (Deployment d : r.deployments()) {
      if ((id == null || d.id().equals(id)) && visible.test(d.modelName())) {
        data.add(render(d));
      }
    }
    if (id != null && data.isEmpty()) {
      throw GatewayException.notFound("litellm_model_id", "no model with id '" + id + "'");
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.set("data", data);
    return out;
  }

  /**
   * {@code GET /model_group/info}: one entry per group that {@code visible} admits, with its
   * deployments' prices.
   */
  ObjectNode groupInfo(@Nullable String group, Predicate<String> visible) {
    ModelRegistry r = registrar.registry();
    Catalog catalog = registrar.catalog();
    ArrayNode data = JsonNodeFactory.instance.arrayNode();
    for (ModelGroup g : r.groups()) {
      if ((group != null && !g.name().equals(group)) || !visible.test(g.name())) {
        continue;
      }
      ObjectNode o = data.addObject();
      o.put("model_group", g.name());
      ArrayNode providers = o.putArray("providers");
      g.deployments().stream().map(d -> d.params().provider()).distinct().forEach(providers::add);
      List<Price> prices = g.deployments().stream().map(Deployment::price).distinct().toList();
      Deployment first = g.deployments().get(0);
      limits(o, first, catalog);
      if (prices.size() == 1) {
        priceFields(o, first.price());
        pricing(o, first.price());
      } else {
        o.putNull("input_cost_per_token");
        o.putNull("output_cost_per_token");
        ObjectNode p = o.putObject("pricing");
        p.put("state", "mixed");
        p.put("source", "mixed");
      }
      ArrayNode ds = o.putArray("deployments");
      for (Deployment d : g.deployments()) {
        ObjectNode x = ds.addObject();
        x.put("id", d.id());
        x.put("model", d.params().model());
        priceFields(x, d.price());
        pricing(x, d.price());
      }
      List<String> aliases =
          r.aliases().entrySet().stream()
              .filter(e -> e.getValue().equals(g.name()))
              .map(Map.Entry::getKey)
              .sorted()
              .toList();
      ArrayNode a = o.putArray("aliases");
      aliases.forEach(a::add);
    }
    if (group != null && data.isEmpty()) {
      throw GatewayException.notFound("model_group", "no model group '" + group + "'");
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.set("data", data);
    return out;
  }

  /** {@code GET /pricing/unknown}: deployments whose price is unknown, for an operator to fix. */
  public ObjectNode unknownPrices() {
    ArrayNode data = JsonNodeFactory.instance.arrayNode();
    for (Deployment d : registrar.registry().deployments()) {
      if (d.price() instanceof Price.Unknown) {
        ObjectNode o = data.addObject();
        o.put("id", d.id());
        o.put("model_name", d.modelName());
        o.put("model", d.params().model());
        o.put("origin", d.origin().name().toLowerCase(java.util.Locale.ROOT));
        o.put(
            "fix",
            "set input_cost_per_token and output_cost_per_token in litellm_params (0 for a free"
                + " model), or base_model to a model the catalog knows");
      }
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("count", data.size());
    out.set("data", data);
    return out;
  }

  /** One deployment in LiteLLM's /model/info shape, prices from the registry, no secrets. */
  public ObjectNode render(Deployment d) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("model_name", d.modelName());
    ObjectNode params = o.putObject("litellm_params");
    LitellmParams p = d.params();
    params.put("model", p.model());
    p.apiBase().ifPresent(v -> params.put("api_base", v));
    p.apiVersion().ifPresent(v -> params.put("api_version", v));
    p.timeoutMillis().ifPresent(v -> params.put("timeout", BigDecimal.valueOf(v, 3)));
    p.streamTimeoutMillis().ifPresent(v -> params.put("stream_timeout", BigDecimal.valueOf(v, 3)));
    p.maxRetries().ifPresent(v -> params.put("max_retries", v));
    p.rpm().ifPresent(v -> params.put("rpm", v));
    p.tpm().ifPresent(v -> params.put("tpm", v));
    p.budget()
        .ifPresent(
            b -> {
              params.put("max_budget", dev.tollgate.budget.Usd.of(b.maxBudgetNanos()));
              b.duration().ifPresent(w -> params.put("budget_duration", w.text()));
            });
    params.put("weight", p.weight());
    p.customRates().forEach((k, v) -> params.put(k.liteLlmName(), v));
    p.extra()
        .forEach(
            (k, v) -> {
              if (!ModelSecrets.isSecret(k)) {
                params.set(k, Json.MAPPER.valueToTree(v));
              }
            });
    ObjectNode info = o.putObject("model_info");
    info.put("id", d.id());
    info.put("db_model", d.origin() == Deployment.Origin.API);
    d.modelInfo().forEach((k, v) -> info.set(k, Json.MAPPER.valueToTree(v)));
    info.put("litellm_provider", p.provider());
    limits(info, d, registrar.catalog());
    priceFields(info, d.price());
    pricing(info, d.price());
    return o;
  }

  private static void limits(ObjectNode o, Deployment d, Catalog catalog) {
    Object base = d.modelInfo().get("base_model");
    Optional<CatalogEntry> entry =
        catalog.lookup(d.params().model(), base instanceof String s ? s : null);
    if (!o.has("max_input_tokens")) {
      if (entry.isPresent() && entry.get().maxInputTokens().isPresent()) {
        o.put("max_input_tokens", entry.get().maxInputTokens().getAsLong());
      } else {
        o.putNull("max_input_tokens");
      }
    }
    if (!o.has("max_output_tokens")) {
      if (entry.isPresent() && entry.get().maxOutputTokens().isPresent()) {
        o.put("max_output_tokens", entry.get().maxOutputTokens().getAsLong());
      } else {
        o.putNull("max_output_tokens");
      }
    }
  }

  /**
   * LiteLLM's cost fields: the rate when priced, 0 when free, null when unknown. Input and output
   * are always present; other keys appear when the price has them.
   */
  static void priceFields(ObjectNode o, Price price) {
    switch (price) {
      case Price.Unknown u -> {
        o.putNull(RateKey.INPUT.liteLlmName());
        o.putNull(RateKey.OUTPUT.liteLlmName());
      }
      case Price.Free f -> {
        o.put(RateKey.INPUT.liteLlmName(), BigDecimal.ZERO);
        o.put(RateKey.OUTPUT.liteLlmName(), BigDecimal.ZERO);
      }
      case Price.Priced p -> {
        for (RateKey k : RateKey.values()) {
          Optional<BigDecimal> rate = p.rates().get(k);
          if (rate.isPresent()) {
            o.put(k.liteLlmName(), rate.get());
          } else if (k == RateKey.INPUT || k == RateKey.OUTPUT) {
            o.putNull(k.liteLlmName());
          }
        }
      }
    }
  }

  static void pricing(ObjectNode o, Price price) {
    ObjectNode p = o.putObject("pricing");
    p.put("state", price.state());
    p.put("source", price.sourceName());
  }
}

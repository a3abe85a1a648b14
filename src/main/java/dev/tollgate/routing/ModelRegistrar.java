package dev.tollgate.routing;

import dev.tollgate.config.DeploymentConfig;
import dev.tollgate.pricing.Catalog;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.PriceResolver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Registers deployments. Every change rebuilds the whole {@link ModelRegistry} from its inputs (the
 * config file's deployments, those added through the API, the aliases and the catalog) and swaps it
 * in: registration is a pure function of those inputs, so registering a deployment twice, or
 * rebuilding a hundred times, gives an equal snapshot, and nothing is ever written back into the
 * catalog or the inputs. Mutations are serialised; reads go through {@link #registry()}.
 */
public final class ModelRegistrar {
  private final RegistryHolder holder;
  private final List<DeploymentConfig> fromConfig;
  private final Map<String, String> aliases;
  private Map<String, DeploymentConfig> fromApi = Map.of();
  private Catalog catalog;

  /**
   * Registers the config file's deployments.
   *
   * @throws RegistrationException if one of them cannot be priced (see {@link PriceResolver})
   */
  public ModelRegistrar(
      List<DeploymentConfig> fromConfig, Map<String, String> aliases, Catalog catalog) {
    this.fromConfig = List.copyOf(fromConfig);
    this.aliases = Map.copyOf(aliases);
    this.catalog = catalog;
    this.holder = new RegistryHolder(build(this.fromConfig, fromApi, this.aliases, catalog));
  }

  /** The pure registration function: the same inputs always give an equal snapshot. */
  public static ModelRegistry build(
      List<DeploymentConfig> fromConfig,
      Map<String, DeploymentConfig> fromApi,
      Map<String, String> aliases,
      Catalog catalog) {
    PriceResolver resolver = new PriceResolver(catalog);
    List<Deployment> out = new ArrayList<>();
    for (DeploymentConfig d : fromConfig) {
      out.add(register(d, Deployment.Origin.CONFIG, resolver));
    }
    for (DeploymentConfig d : fromApi.values()) {
      out.add(register(d, Deployment.Origin.API, resolver));
    }
    return ModelRegistry.of(out, aliases, resolver);
  }

  private static Deployment register(
      DeploymentConfig d, Deployment.Origin origin, PriceResolver resolver) {
    Object base = d.modelInfo().get("base_model");
    if (base == null) {
      base = d.params().extra().get("base_model");
    }
    Price price;
    try {
      price =
          resolver.resolve(
              pricedModel(d.params()),
              base instanceof String s ? s : null,
              d.params().customRates());
    } catch (RuntimeException e) {
      throw new RegistrationException(d, e.getMessage() == null ? e.toString() : e.getMessage());
    }
    return new Deployment(
        d.id(),
        d.modelName(),
        d.params(),
        d.modelInfo(),
        origin,
        price,
        maxOutputTokens(d, resolver.catalog(), base instanceof String s ? s : null));
  }

  private static java.util.OptionalLong maxOutputTokens(
      DeploymentConfig d, Catalog catalog, @org.jspecify.annotations.Nullable String base) {
    for (String k : new String[] {"max_output_tokens", "max_tokens"}) {
      if (d.modelInfo().get(k) instanceof Number n && n.longValue() > 0) {
        return java.util.OptionalLong.of(n.longValue());
      }
    }
    return catalog
        .lookup(pricedModel(d.params()), base)
        .map(e -> e.maxOutputTokens())
        .orElse(java.util.OptionalLong.empty());
  }

  private static final java.util.regex.Pattern AWS_REGION =
      java.util.regex.Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-\\d+");

  /**
   * The model name a deployment is priced under: its {@code model}, except that a Bedrock model
   * whose region is {@code aws_region_name} rather than a path segment is priced as {@code
   * bedrock/<region>/<id>}, as LiteLLM prices it. The catalog takes the regional entry when there
   * is one and falls back to the id without the region otherwise ({@code Catalog.lookup}).
   */
  static String pricedModel(dev.tollgate.config.LitellmParams p) {
    if (!p.provider().equals("bedrock")
        || !(p.extra().get("aws_region_name") instanceof String region)
        || !AWS_REGION.matcher(region).matches()) {
      return p.model();
    }
    String id = p.providerModel();
    while (id.startsWith("converse/") || id.startsWith("invoke/")) {
      id = id.substring(id.indexOf('/') + 1);
    }
    int slash = id.indexOf('/');
    if (slash > 0 && AWS_REGION.matcher(id.substring(0, slash)).matches()) {
      return p.model();
    }
    return "bedrock/" + region + "/" + id;
  }

  public RegistryHolder holder() {
    return holder;
  }

  public ModelRegistry registry() {
    return holder.current();
  }

  public synchronized Catalog catalog() {
    return catalog;
  }

  /** Whether a deployment id is taken, by the config file or the API. */
  public synchronized boolean exists(String id) {
    return fromApi.containsKey(id) || fromConfig.stream().anyMatch(d -> d.id().equals(id));
  }

  /** The API-registered input for an id, if the API registered it. */
  public synchronized Optional<DeploymentConfig> apiInput(String id) {
    return Optional.ofNullable(fromApi.get(id));
  }

  /** Adds or replaces an API deployment; on failure nothing changes. */
  public synchronized ModelRegistry put(DeploymentConfig d) {
    Map<String, DeploymentConfig> next = new LinkedHashMap<>(fromApi);
    next.put(d.id(), d);
    return swap(next, catalog);
  }

  /** Registers {@code d} in a throw-away snapshot: fails as {@link #put} would, changes nothing. */
  public synchronized void check(DeploymentConfig d) {
    Map<String, DeploymentConfig> next = new LinkedHashMap<>(fromApi);
    next.put(d.id(), d);
    build(fromConfig, next, aliases, catalog);
  }

  /**
   * Replaces every API deployment at once, as a sync from the store does. Deployments whose id the
   * config file also defines are left out: the config file wins.
   */
  public synchronized ModelRegistry replaceApi(Map<String, DeploymentConfig> api) {
    Map<String, DeploymentConfig> next = new LinkedHashMap<>(api);
    for (DeploymentConfig d : fromConfig) {
      next.remove(d.id());
    }
    return swap(next, catalog);
  }

  /** Whether the config file defines {@code id}. */
  public boolean inConfig(String id) {
    return fromConfig.stream().anyMatch(d -> d.id().equals(id));
  }

  /** Removes an API deployment; requests already using it finish on their snapshot. */
  public synchronized ModelRegistry remove(String id) {
    Map<String, DeploymentConfig> next = new LinkedHashMap<>(fromApi);
    next.remove(id);
    return swap(next, catalog);
  }

  /** Re-registers everything against a new catalog; on failure the old catalog stays. */
  public synchronized ModelRegistry replaceCatalog(Catalog next) {
    return swap(fromApi, next);
  }

  /** Rebuilds from the current inputs, as a config sync does. */
  public synchronized ModelRegistry rebuild() {
    return swap(fromApi, catalog);
  }

  private ModelRegistry swap(Map<String, DeploymentConfig> api, Catalog cat) {
    ModelRegistry next = build(fromConfig, api, aliases, cat);
    fromApi = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(api));
    catalog = cat;
    holder.update(old -> next);
    return next;
  }

  /** A deployment could not be registered; the message says which and why. */
  public static final class RegistrationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient DeploymentConfig deployment;
    private final String message;

    RegistrationException(DeploymentConfig d, String message) {
      super(message);
      this.deployment = d;
      this.message = "model '" + d.modelName() + "' (id " + d.id() + "): " + message;
    }

    @Override
    public String getMessage() {
      return message;
    }

    public DeploymentConfig deployment() {
      return deployment;
    }
  }
}

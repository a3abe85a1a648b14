package dev.tollgate.routing;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.PriceResolver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * An immutable snapshot of every registered deployment, grouped by model name, with the group
 * aliases. Built whole from its inputs and swapped in atomically; never changed in place.
 *
 * <p>A group whose name ends in {@code *} ({@code *}, {@code anthropic/*}, {@code my-prefix/*}) is
 * a wildcard, as LiteLLM has them: a requested model that no group or alias names, and that starts
 * with what precedes the {@code *}, is served by that group's deployments with the rest of the name
 * put in place of the {@code *} in each deployment's {@code model} ({@code model_name: "*"} with
 * {@code model: openai/*} serves {@code gpt-4o} as {@code openai/gpt-4o}). Named groups win over
 * wildcards, and a longer prefix over a shorter one. The concrete deployment is priced for the
 * actual model by the same {@link PriceResolver} as every deployment (a model the catalog does not
 * know is {@code unknown}, never free), unless the wildcard has custom rates, which then apply to
 * every model it serves. Concrete groups are kept with this snapshot, so that each model is priced
 * once per snapshot; nothing is written back into the deployments or the catalog.
 */
public final class ModelRegistry {
  /** The most concrete wildcard groups a snapshot keeps; past it, each is made per request. */
  private static final int MAX_EXPANDED = 4096;

  private final Map<String, Deployment> byId;
  private final Map<String, ModelGroup> groups;
  private final Map<String, String> aliases;
  private final List<ModelGroup> wildcards;
  private final @Nullable PriceResolver resolver;
  private final Map<String, ModelGroup> expanded = new ConcurrentHashMap<>();

  private ModelRegistry(
      List<Deployment> deployments, Map<String, String> aliases, @Nullable PriceResolver resolver) {
    Map<String, Deployment> ids = new LinkedHashMap<>();
    Map<String, List<Deployment>> byName = new LinkedHashMap<>();
    for (Deployment d : deployments) {
      ids.put(d.id(), d);
    }
    for (Deployment d : ids.values()) {
      byName.computeIfAbsent(d.modelName(), k -> new ArrayList<>()).add(d);
    }
    Map<String, ModelGroup> g = new LinkedHashMap<>();
    byName.forEach((name, list) -> g.put(name, new ModelGroup(name, list)));
    this.byId = java.util.Collections.unmodifiableMap(ids);
    this.groups = java.util.Collections.unmodifiableMap(g);
    this.aliases = Map.copyOf(aliases);
    this.resolver = resolver;
    List<ModelGroup> w = new ArrayList<>();
    for (ModelGroup group : g.values()) {
      if (group.name().endsWith("*")) {
        w.add(group);
      }
    }
    // The longest prefix first: the most specific wildcard wins.
    w.sort(Comparator.comparingInt((ModelGroup x) -> x.name().length()).reversed());
    this.wildcards = List.copyOf(w);
  }

  /**
   * Builds a registry. Later deployments with the same id replace earlier ones, so registering the
   * same deployment twice gives the same snapshot as registering it once. Wildcard groups serve
   * only when a {@code resolver} prices what they serve.
   */
  public static ModelRegistry of(
      List<Deployment> deployments, Map<String, String> aliases, @Nullable PriceResolver resolver) {
    return new ModelRegistry(deployments, aliases, resolver);
  }

  /** {@link #of(List, Map, PriceResolver)} without wildcard serving. */
  public static ModelRegistry of(List<Deployment> deployments, Map<String, String> aliases) {
    return new ModelRegistry(deployments, aliases, null);
  }

  public static ModelRegistry empty() {
    return new ModelRegistry(List.of(), Map.of(), null);
  }

  /**
   * The group a requested model name stands for: a group of that name, an alias, or else the most
   * specific wildcard that matches it, made concrete for it.
   */
  public Optional<ModelGroup> resolve(String requested) {
    ModelGroup g = groups.get(requested);
    if (g != null) {
      return Optional.of(g);
    }
    String target = aliases.get(requested);
    if (target != null) {
      return Optional.ofNullable(groups.get(target));
    }
    if (wildcards.isEmpty() || resolver == null) {
      return Optional.empty();
    }
    ModelGroup done = expanded.get(requested);
    if (done != null) {
      return Optional.of(done);
    }
    for (ModelGroup w : wildcards) {
      String prefix = w.name().substring(0, w.name().length() - 1);
      if (requested.length() > prefix.length() && requested.startsWith(prefix)) {
        ModelGroup concrete = concrete(w, requested, requested.substring(prefix.length()));
        if (expanded.size() < MAX_EXPANDED) {
          expanded.putIfAbsent(requested, concrete);
        }
        return Optional.of(concrete);
      }
    }
    return Optional.empty();
  }

  /** The wildcard group {@code w} for {@code requested}, {@code rest} in place of its {@code *}. */
  private ModelGroup concrete(ModelGroup w, String requested, String rest) {
    PriceResolver r = java.util.Objects.requireNonNull(resolver, "resolver");
    List<Deployment> out = new ArrayList<>(w.deployments().size());
    for (Deployment d : w.deployments()) {
      LitellmParams p = d.params();
      if (!p.model().contains("*")) {
        out.add(
            new Deployment(
                d.id(), requested, p, d.modelInfo(), d.origin(), d.price(), d.maxOutputTokens()));
        continue;
      }
      String model = p.model().replace("*", rest);
      LitellmParams concrete =
          p.withModel(model, p.provider(), p.providerModel().replace("*", rest));
      Price price;
      try {
        price =
            p.customRates().isEmpty()
                ? r.resolve(ModelRegistrar.pricedModel(concrete), null, p.customRates())
                : d.price();
      } catch (RuntimeException e) {
        // Not priceable from the catalog: unknown, as every unpriced deployment is.
        price = d.price();
      }
      out.add(
          new Deployment(
              d.id() + ":" + rest,
              requested,
              concrete,
              d.modelInfo(),
              d.origin(),
              price,
              r.catalog()
                  .lookup(ModelRegistrar.pricedModel(concrete), null)
                  .map(e -> e.maxOutputTokens())
                  .orElse(d.maxOutputTokens())));
    }
    return new ModelGroup(requested, out);
  }

  public Optional<Deployment> deployment(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  public Collection<Deployment> deployments() {
    return byId.values();
  }

  public Collection<ModelGroup> groups() {
    return groups.values();
  }

  public Map<String, String> aliases() {
    return aliases;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelRegistry r
        && byId.equals(r.byId)
        && groups.equals(r.groups)
        && aliases.equals(r.aliases);
  }

  @Override
  public int hashCode() {
    return byId.hashCode() * 31 + aliases.hashCode();
  }
}

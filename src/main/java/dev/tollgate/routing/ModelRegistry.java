package dev.tollgate.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of every registered deployment, grouped by model name, with the group
 * aliases. Built whole from its inputs and swapped in atomically; never changed in place.
 */
public final class ModelRegistry {
  private final Map<String, Deployment> byId;
  private final Map<String, ModelGroup> groups;
  private final Map<String, String> aliases;

  private ModelRegistry(List<Deployment> deployments, Map<String, String> aliases) {
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
  }

  /**
   * Builds a registry. Later deployments with the same id replace earlier ones, so registering the
   * same deployment twice gives the same snapshot as registering it once.
   */
  public static ModelRegistry of(List<Deployment> deployments, Map<String, String> aliases) {
    return new ModelRegistry(deployments, aliases);
  }

  public static ModelRegistry empty() {
    return new ModelRegistry(List.of(), Map.of());
  }

  /** The group a requested model name stands for, directly or through an alias. */
  public Optional<ModelGroup> resolve(String requested) {
    ModelGroup g = groups.get(requested);
    if (g != null) {
      return Optional.of(g);
    }
    String target = aliases.get(requested);
    return target == null ? Optional.empty() : Optional.ofNullable(groups.get(target));
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

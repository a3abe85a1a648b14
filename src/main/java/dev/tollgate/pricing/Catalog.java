package dev.tollgate.pricing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Known model prices, keyed {@code <provider>/<model>} in LiteLLM's style. Immutable and safe to
 * share between threads.
 *
 * <p>{@link #lookup} follows only the rules in docs/pricing.md: the exact key, the base model, bare
 * names, provider aliases, Bedrock region prefixes, and version suffixes. When none of them finds
 * an entry the answer is empty (an unknown price), never a near miss.
 *
 * <p>{@link #bundled()} parses a resource of about 0.8 MB the first time it is called: call it at
 * startup, off the event loop.
 */
public final class Catalog {

  private static final Catalog EMPTY = new Catalog(Map.of(), Map.of());

  private final Map<String, CatalogEntry> entries;
  private final Map<String, String> aliases;
  private final Set<String> providers;

  Catalog(Map<String, CatalogEntry> entries, Map<String, String> aliases) {
    this.entries = Map.copyOf(entries);
    this.aliases = Map.copyOf(aliases);
    Set<String> prefixes = new HashSet<>();
    for (String key : this.entries.keySet()) {
      int slash = key.indexOf('/');
      if (slash > 0) {
        prefixes.add(key.substring(0, slash));
      }
    }
    this.providers = Set.copyOf(prefixes);
  }

  /** The catalog shipped in the jar (see docs/pricing.md for its sources and date). */
  public static Catalog bundled() {
    return Bundled.CATALOG;
  }

  /** A catalog with no entries: every lookup is empty. */
  public static Catalog empty() {
    return EMPTY;
  }

  /**
   * A catalog from a cost map in LiteLLM's {@code model_prices_and_context_window.json} format.
   * Numbers are read as exact decimals from their JSON text. Only {@link RateKey} fields are kept;
   * a field that is absent or {@code null} stays absent (never zero), and an explicit {@code 0}
   * stays an explicit zero. Bare keys are filed under their {@code litellm_provider}.
   *
   * @throws PricingException if the text is not such a map or a rate is not a decimal {@code >= 0}
   */
  public static Catalog fromLiteLlmCostMap(String json) {
    requireNonNull(json, "json");
    return CatalogJson.readLiteLlmCostMap(json);
  }

  /**
   * As {@link #fromLiteLlmCostMap(String)}, reading {@code json} to its end; the caller closes it.
   * Blocking I/O: not for the event loop.
   */
  public static Catalog fromLiteLlmCostMap(InputStream json) {
    requireNonNull(json, "json");
    try {
      return CatalogJson.readLiteLlmCostMap(json);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read cost map", e);
    }
  }

  /**
   * This catalog with {@code over} laid on top. Entries are merged key by key: for a model in both,
   * each rate and limit that {@code over} gives replaces this catalog's, the rest are kept, and the
   * entry takes {@code over}'s source and date. An entry in {@code over} with no rates therefore
   * never erases a known price. Neither catalog is changed.
   */
  public Catalog mergedWith(Catalog over) {
    requireNonNull(over, "over");
    if (over.entries.isEmpty() && over.aliases.isEmpty()) {
      return this;
    }
    Map<String, CatalogEntry> merged = new HashMap<>(entries);
    over.entries.forEach(
        (key, entry) -> merged.merge(key, entry, (base, top) -> base.overriddenBy(top)));
    Map<String, String> mergedAliases = new HashMap<>(aliases);
    mergedAliases.putAll(over.aliases);
    return new Catalog(merged, mergedAliases);
  }

  /**
   * The entry pricing {@code providerModel}, trying {@code baseModel} first when it is given.
   *
   * @param providerModel the deployment's model, e.g. {@code openai/gpt-4o-mini} or {@code
   *     azure/my-deployment}
   * @param baseModel the deployment's {@code base_model}, e.g. {@code azure/gpt-4o} or {@code
   *     gpt-4o}; a bare base model is tried under {@code providerModel}'s provider first
   */
  public Optional<CatalogEntry> lookup(String providerModel, @Nullable String baseModel) {
    requireNonNull(providerModel, "providerModel");
    String model = providerModel.strip();
    if (baseModel != null && !baseModel.isBlank()) {
      Optional<CatalogEntry> found = lookupName(baseModel.strip(), providerOf(model));
      if (found.isPresent()) {
        return found;
      }
    }
    return lookupName(model, null);
  }

  /** How many entries there are. */
  public int size() {
    return entries.size();
  }

  /** Every entry key. */
  Set<String> keys() {
    return entries.keySet();
  }

  /** The bare names that stand for a provider-prefixed key, e.g. {@code gpt-4o}. */
  Map<String, String> aliases() {
    return aliases;
  }

  private Optional<CatalogEntry> lookupName(String name, @Nullable String contextProvider) {
    Optional<CatalogEntry> found = first(forms(name, contextProvider));
    if (found.isPresent()) {
      return found;
    }
    String unversioned = ModelNames.withoutVersion(name);
    if (unversioned.equals(name)) {
      return Optional.empty();
    }
    return first(forms(unversioned, contextProvider));
  }

  /** Every key {@code name} may be filed under, in the order they are tried. */
  private List<String> forms(String name, @Nullable String contextProvider) {
    List<String> out = new ArrayList<>(6);
    out.add(name);
    String provider = providerOf(name);
    if (provider != null) {
      addProviderForms(out, provider, name.substring(provider.length() + 1));
    } else {
      if (contextProvider != null) {
        out.add(contextProvider + "/" + name);
        addProviderForms(out, contextProvider, name);
      }
      String target = aliases.get(name);
      if (target != null) {
        out.add(target);
      }
    }
    return out;
  }

  private static void addProviderForms(List<String> out, String provider, String model) {
    String pricedAs = ModelNames.pricedAs(provider);
    if (!pricedAs.equals(provider)) {
      out.add(pricedAs + "/" + model);
    }
    if (pricedAs.equals("bedrock")) {
      for (String id : ModelNames.bedrockBaseIds(model)) {
        out.add("bedrock/" + id);
      }
    }
  }

  private Optional<CatalogEntry> first(List<String> keys) {
    for (String key : keys) {
      CatalogEntry entry = entries.get(key);
      if (entry != null) {
        return Optional.of(entry);
      }
    }
    return Optional.empty();
  }

  /** The provider prefix of {@code name}, if its first path segment is one. */
  private @Nullable String providerOf(String name) {
    int slash = name.indexOf('/');
    if (slash <= 0) {
      return null;
    }
    String first = name.substring(0, slash);
    return providers.contains(first) || ModelNames.isAlias(first) ? first : null;
  }

  private static final class Bundled {
    static final Catalog CATALOG = load();

    private static Catalog load() {
      try (InputStream in = Catalog.class.getResourceAsStream("catalog.json")) {
        if (in == null) {
          throw new IllegalStateException("bundled price catalog catalog.json is missing");
        }
        return CatalogJson.readBundled(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the bundled price catalog", e);
      }
    }
  }
}

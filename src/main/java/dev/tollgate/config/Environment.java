package dev.tollgate.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Environment variables as the config sees them: the process environment, overlaid by the config's
 * {@code environment_variables} (which LiteLLM writes into {@code os.environ}, so they win).
 * Immutable; tests build their own instead of touching the process environment.
 */
public final class Environment {
  private final Map<String, String> values;

  private Environment(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  public static Environment system() {
    return new Environment(System.getenv());
  }

  public static Environment of(Map<String, String> values) {
    return new Environment(values);
  }

  public Optional<String> get(String name) {
    String v = values.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  /** This environment with {@code overlay} written over it. */
  public Environment with(Map<String, String> overlay) {
    Map<String, String> merged = new HashMap<>(values);
    merged.putAll(overlay);
    return new Environment(merged);
  }
}

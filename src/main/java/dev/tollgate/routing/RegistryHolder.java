package dev.tollgate.routing;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The current {@link ModelRegistry}. Requests read one snapshot and keep it to the end; changes
 * build a new snapshot and swap it in atomically. Thread-safe.
 */
public final class RegistryHolder {
  private final AtomicReference<ModelRegistry> current;

  public RegistryHolder(ModelRegistry initial) {
    this.current = new AtomicReference<>(initial);
  }

  public ModelRegistry current() {
    return current.get();
  }

  /** Replaces the snapshot with {@code change(current)}; retried if another swap won the race. */
  public ModelRegistry update(UnaryOperator<ModelRegistry> change) {
    return current.updateAndGet(change);
  }
}

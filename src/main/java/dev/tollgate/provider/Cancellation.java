package dev.tollgate.provider;

import java.util.ArrayList;
import java.util.List;

/**
 * Fired when the client goes away, so the provider resets its upstream request at once instead of
 * reading (and paying for) tokens nobody will receive. Event-loop confined.
 */
public final class Cancellation {
  private final List<Runnable> listeners = new ArrayList<>(2);
  private boolean cancelled;

  /** Runs {@code r} on cancellation, or now if already cancelled. */
  public void onCancel(Runnable r) {
    if (cancelled) {
      r.run();
    } else {
      listeners.add(r);
    }
  }

  public void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    for (Runnable r : listeners) {
      r.run();
    }
    listeners.clear();
  }

  public boolean isCancelled() {
    return cancelled;
  }
}

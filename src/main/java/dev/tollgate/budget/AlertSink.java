package dev.tollgate.budget;

/**
 * Where budget alerts go. Called on an event loop: implementations return at once and do their I/O
 * asynchronously; they never throw.
 */
public interface AlertSink {
  void alert(BudgetAlert alert);

  /** Sends nothing; the enforcer's log line is the only trace. */
  AlertSink NONE = a -> {};
}

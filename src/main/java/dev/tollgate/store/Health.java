package dev.tollgate.store;

/**
 * The store's state for {@code /health/readiness}. Immutable.
 *
 * @param message one line for an operator, naming the database and any problem; never a password
 */
public record Health(State state, String message) {
  /** How the store is doing. */
  public enum State {
    /** The database answers and the spend log is writing to it. */
    UP,
    /**
     * The database answers, but the spend log is catching up from its local journal, or some spend
     * records could not be written and are in the dead-letter file.
     */
    DEGRADED,
    /**
     * The database does not answer. Requests can still be served: spend records go to the local
     * journal and are written once the database is back.
     */
    DOWN
  }
}

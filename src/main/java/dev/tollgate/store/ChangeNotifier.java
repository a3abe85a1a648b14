package dev.tollgate.store;

import java.util.Optional;

/**
 * Tells the other instances sharing the database that something in it changed, and hears when they
 * do. On PostgreSQL this is LISTEN/NOTIFY on channel {@value #CHANNEL}, so a change reaches every
 * instance within a second; on SQLite (one instance only) it does nothing, and periodic sync stays
 * the way to notice changes. Either way, a listener is a hint to re-read the database, not a
 * replacement for the periodic sync.
 */
public interface ChangeNotifier extends AutoCloseable {
  /** The PostgreSQL notification channel. */
  String CHANNEL = "tollgate_config";

  /** What changed, so that a listener re-reads only that. */
  enum Topic {
    /** Models added, changed or deleted through the API. */
    MODELS("models"),
    /** Keys, users, teams, organizations, customers, tags or shared budgets. */
    GOVERNANCE("governance");

    private final String wire;

    Topic(String wire) {
      this.wire = wire;
    }

    /** The name in a notification's payload. */
    String wire() {
      return wire;
    }

    /**
     * The topic a payload names. A payload without one, as instances before topics existed send, is
     * about models, the only thing they notified.
     */
    static Optional<Topic> fromPayload(String payload) {
      int colon = payload.indexOf(':');
      if (colon < 0) {
        return Optional.of(MODELS);
      }
      String name = payload.substring(0, colon);
      for (Topic t : values()) {
        if (t.wire.equals(name)) {
          return Optional.of(t);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * Tells the other instances that {@code topic} changed. Blocking (one round trip); call it from a
   * worker thread after the change is committed. A failure is logged, not thrown: the others still
   * see the change at their next periodic sync.
   */
  void notifyChange(Topic topic);

  /** Stops listening. */
  @Override
  void close();

  /** The notifier of a database with one instance: notifies and hears nothing. */
  static ChangeNotifier none() {
    return new ChangeNotifier() {
      @Override
      public void notifyChange(Topic topic) {}

      @Override
      public void close() {}
    };
  }
}

package dev.tollgate.store;

/**
 * Tells the other instances sharing the database that the configuration in it changed, and hears
 * when they do. On PostgreSQL this is LISTEN/NOTIFY on channel {@value #CHANNEL}, so a change
 * reaches every instance within a second; on SQLite (one instance only) it does nothing, and
 * periodic sync stays the way to notice changes. Either way, a listener is a hint to re-read the
 * database, not a replacement for the periodic sync.
 */
public interface ChangeNotifier extends AutoCloseable {
  /** The PostgreSQL notification channel. */
  String CHANNEL = "tollgate_config";

  /**
   * Tells the other instances that the configuration changed. Blocking (one round trip); call it
   * from a worker thread after the change is committed. A failure is logged, not thrown: the others
   * still see the change at their next periodic sync.
   */
  void notifyChange();

  /** Stops listening. */
  @Override
  void close();

  /** The notifier of a database with one instance: notifies and hears nothing. */
  static ChangeNotifier none() {
    return new ChangeNotifier() {
      @Override
      public void notifyChange() {}

      @Override
      public void close() {}
    };
  }
}

package dev.tollgate.store;

import java.sql.Connection;
import java.sql.SQLException;

/** Runs work in one transaction on a pooled connection. Stateless. */
final class Transactions {
  private Transactions() {}

  /** Work that needs a connection. */
  @FunctionalInterface
  interface Work {
    void run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} and commits, or rolls back and rethrows if it throws: all of it is written or
   * none.
   */
  static void run(Connection c, Work work) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      work.run(c);
      c.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      try {
        c.setAutoCommit(autoCommit);
      } catch (SQLException ignored) {
        // the connection is broken; the pool will discard it
      }
    }
  }
}

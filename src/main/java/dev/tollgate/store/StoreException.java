package dev.tollgate.store;

import org.jspecify.annotations.Nullable;

/**
 * The store cannot do what was asked: the database URL is malformed, the database cannot be reached
 * or migrated, or a query failed. Messages name the problem and never contain a password.
 */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}

package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * An end user (LiteLLM's customer), named by a request's {@code user} field or the {@code
 * x-litellm-end-user-id} header. Customers never created here get the default end-user budget.
 * Immutable.
 */
public record Customer(
    String id,
    Optional<String> alias,
    boolean blocked,
    Limits limits,
    Optional<String> budgetId,
    Instant createdAt,
    Instant updatedAt)
    implements Entity {

  public Customer {
    requireNonNull(id, "id");
  }

  @Override
  public EntityKind kind() {
    return EntityKind.CUSTOMER;
  }
}

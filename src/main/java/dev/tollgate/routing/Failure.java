package dev.tollgate.routing;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;

/** Why an attempt on a deployment did not serve the request, as the attempt loop sees it. */
public sealed interface Failure {
  /** The error the client gets if nothing else serves. */
  GatewayException error();

  /**
   * Admission refused the deployment on its own account (its {@code rpm}, {@code tpm} or budget, or
   * its provider's budget): another deployment may serve, and this is no retry.
   */
  record PassedOver(GatewayException error) implements Failure {
    public PassedOver {
      requireNonNull(error, "error");
    }
  }

  /** Admission refused the caller: no deployment may serve. */
  record Refused(GatewayException error) implements Failure {
    public Refused {
      requireNonNull(error, "error");
    }
  }

  /**
   * The attempt was admitted and failed before anything reached the client: a retry may go on, if
   * the {@link RetryRule} allows it.
   *
   * @param retryAfterMillis what the upstream asked to wait ({@code retry-after-ms} or {@code
   *     retry-after}), or -1
   */
  record Failed(GatewayException error, long retryAfterMillis) implements Failure {
    public Failed {
      requireNonNull(error, "error");
    }
  }
}

package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.BiConsumer;

/** The outcome of {@link Enforcer#admit}: admitted, or denied with the error to answer. */
public sealed interface Decision permits Decision.Admitted, Decision.Denied {

  /** The admitted decision, or throws the denial. */
  Admitted orThrow();

  /**
   * The request may go ahead.
   *
   * @param keySpendNanos the key's spend in its current window before this request; empty for the
   *     master key
   * @param keyMaxBudgetNanos the key's max budget, if it has one
   * @param tags the request's tags and the key's, without duplicates: put these in the spend record
   *     so that settlement charges the same tags
   * @param rateHeaders OpenAI's {@code x-ratelimit-*} headers for the tightest request and token
   *     limits that apply, after this request's reservation; empty when none applies
   */
  record Admitted(
      OptionalLong keySpendNanos,
      OptionalLong keyMaxBudgetNanos,
      List<String> tags,
      Map<String, String> rateHeaders)
      implements Decision {
    public Admitted {
      tags = List.copyOf(tags);
      rateHeaders = Map.copyOf(rateHeaders);
    }

    public Admitted(OptionalLong keySpendNanos, OptionalLong keyMaxBudgetNanos, List<String> tags) {
      this(keySpendNanos, keyMaxBudgetNanos, tags, Map.of());
    }

    @Override
    public Admitted orThrow() {
      return this;
    }

    /**
     * Gives {@code out} each response header: {@code x-tollgate-key-spend} and {@code
     * x-tollgate-key-max-budget} with their {@code x-litellm-} twins, in USD, each only when known;
     * then the {@link #rateHeaders}.
     */
    public void headers(BiConsumer<String, String> out) {
      if (keySpendNanos.isPresent()) {
        String v = dev.tollgate.pricing.CostCalculator.formatUsd(keySpendNanos.getAsLong());
        out.accept("x-tollgate-key-spend", v);
        out.accept("x-litellm-key-spend", v);
      }
      if (keyMaxBudgetNanos.isPresent()) {
        String v = dev.tollgate.pricing.CostCalculator.formatUsd(keyMaxBudgetNanos.getAsLong());
        out.accept("x-tollgate-key-max-budget", v);
        out.accept("x-litellm-key-max-budget", v);
      }
      rateHeaders.forEach(out);
    }
  }

  /** Whose limit refused a request: what routing may do about it. */
  enum Scope {
    /**
     * The deployment's own {@code rpm}, {@code tpm} or budget, or its provider's budget: another
     * deployment of the group may serve.
     */
    DEPLOYMENT,
    /** The caller's (key, user, team, customer, tag, global...): no deployment may serve. */
    CALLER
  }

  /** The request is refused; answer with {@code error}. */
  record Denied(GatewayException error, Scope scope) implements Decision {
    public Denied {
      requireNonNull(error, "error");
      requireNonNull(scope, "scope");
    }

    /** A denial on the caller's account. */
    public Denied(GatewayException error) {
      this(error, Scope.CALLER);
    }

    @Override
    public Admitted orThrow() {
      throw error;
    }
  }
}

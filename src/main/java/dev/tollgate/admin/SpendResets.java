package dev.tollgate.admin;

import dev.tollgate.budget.BudgetLine;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Level;
import dev.tollgate.governance.AuditEvent;
import dev.tollgate.governance.AuditLog;
import dev.tollgate.governance.EntityKind;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * Resets an entity's spend for a management call ({@code reset_spend}, an update with {@code spend:
 * 0}) and, with the audit log on, records the spend it had. Blocks on the meter and the store: call
 * it from a worker thread.
 */
final class SpendResets {
  private final Enforcer enforcer;
  private final Optional<AuditLog> audit;

  SpendResets(Enforcer enforcer, Optional<AuditLog> audit) {
    this.enforcer = enforcer;
    this.audit = audit;
  }

  void reset(Call c, Level level, EntityKind kind, String id) {
    Optional<String> before = audit.map(a -> spend(level, id));
    enforcer.reset(level, id);
    if (audit.isPresent()) {
      audit
          .get()
          .append(
              List.of(
                  new AuditEvent(
                      c.actor(),
                      "reset_spend",
                      AuditEvent.table(kind),
                      id,
                      before,
                      Optional.of("{\"spend\":0}"))));
    }
  }

  private String spend(Level level, String id) {
    long nanos =
        enforcer.entityBudgets(level, id).stream()
            .filter(l -> l.level() == level)
            .mapToLong(BudgetLine::spendNanos)
            .sum();
    return "{\"spend\":" + BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString() + "}";
  }
}

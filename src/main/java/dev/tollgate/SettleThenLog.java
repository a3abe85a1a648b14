package dev.tollgate;

import dev.tollgate.budget.Charges;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.store.SpendLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles each spend record into the budget counters, then hands it to the spend log with the
 * counters it was charged to, so that the stored counters move in the transaction that writes the
 * record. A settlement that throws still lets the record reach the log (charged to nothing, which
 * the next start's reconciliation cannot see, so it is logged at error). Never blocks.
 */
final class SettleThenLog implements SpendSink {
  private static final Logger LOG = LoggerFactory.getLogger(SettleThenLog.class);

  private final Enforcer enforcer;
  private final SpendLog log;

  SettleThenLog(Enforcer enforcer, SpendLog log) {
    this.enforcer = enforcer;
    this.log = log;
  }

  @Override
  public void record(SpendRecord r) {
    Charges charged;
    try {
      charged = enforcer.settleCharges(r);
    } catch (RuntimeException e) {
      LOG.error("settling request {} failed; its record is logged charged to no counter", r, e);
      charged = Charges.NONE;
    }
    log.record(r, charged);
  }

  @Override
  public String toString() {
    return "settle, then log";
  }
}

package dev.tollgate;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.SpendSink;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans each spend record out to the registered listeners, in the order they were added (budget
 * settlement before the spend log: see {@code Gateway}); one that throws is logged and the others
 * still get the record. Thread-safe. (Records are not logged whole: they hold the key's hash. The
 * proxy's one summary line per request is their log.)
 */
final class SpendListeners implements SpendSink {
  private static final Logger LOG = LoggerFactory.getLogger("dev.tollgate.spend");

  private final CopyOnWriteArrayList<SpendSink> listeners = new CopyOnWriteArrayList<>();

  void add(SpendSink listener) {
    listeners.add(listener);
  }

  @Override
  public void record(SpendRecord r) {
    for (SpendSink l : listeners) {
      try {
        l.record(r);
      } catch (RuntimeException e) {
        // one listener failing must not keep the record from the others (the spend log)
        LOG.atError()
            .addKeyValue("request_id", r.requestId())
            .setCause(e)
            .log("spend listener {} failed", l);
      }
    }
  }
}

package dev.tollgate.proxy;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of what reached the LLM routes but was not a request of any caller, so has no spend
 * record: a record per keyless or wrong-key call would let anyone grow the spend log (and its
 * reports) without limit. Shared by every event loop; thread-safe.
 */
public final class ProxyCounters {
  private final LongAdder unauthenticated = new LongAdder();

  /** Calls refused before a key was accepted: no key, a wrong key, or ambiguous credentials. */
  public long unauthenticated() {
    return unauthenticated.sum();
  }

  void countUnauthenticated() {
    unauthenticated.increment();
  }
}

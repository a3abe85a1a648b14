package dev.tollgate.budget;

/**
 * Where the request path hands finished requests' spend. Implementations must return at once (the
 * caller is an event loop) and must never drop a record: they queue it and write it off the request
 * path.
 */
public interface SpendSink {
  void record(SpendRecord record);
}

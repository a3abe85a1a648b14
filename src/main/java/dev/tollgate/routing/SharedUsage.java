package dev.tollgate.routing;

/**
 * Deployments' use this minute, across every instance that shares it: what {@code
 * usage-based-routing-v2} ranks by. Thread-safe; a minute is epoch milliseconds / 60,000.
 */
public interface SharedUsage {
  /** Adds what this instance just used on deployment {@code id}. */
  void add(String id, long minute, long tokens, long requests);

  /** The tokens used on deployment {@code id} in {@code minute}, as far as this instance knows. */
  long tokens(String id, long minute);

  /** The requests made to deployment {@code id} in {@code minute}, likewise. */
  long requests(String id, long minute);

  /** This instance only: what it used itself. */
  static SharedUsage local() {
    return new LocalUsage();
  }

  /** One instance's own use, by deployment and minute; the current minute only is kept. */
  final class LocalUsage implements SharedUsage {
    private final java.util.concurrent.ConcurrentHashMap<String, long[]> use =
        new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void add(String id, long minute, long tokens, long requests) {
      long[] u = use.computeIfAbsent(id, k -> new long[] {minute, 0, 0});
      synchronized (u) {
        if (u[0] != minute) {
          u[0] = minute;
          u[1] = 0;
          u[2] = 0;
        }
        u[1] += tokens;
        u[2] += requests;
      }
    }

    @Override
    public long tokens(String id, long minute) {
      return read(id, minute, 1);
    }

    @Override
    public long requests(String id, long minute) {
      return read(id, minute, 2);
    }

    private long read(String id, long minute, int field) {
      long[] u = use.get(id);
      if (u == null) {
        return 0;
      }
      synchronized (u) {
        return u[0] == minute ? u[field] : 0;
      }
    }
  }
}

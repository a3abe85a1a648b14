package dev.tollgate.routing;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Chooses a deployment within a group: LiteLLM's simple shuffle, weighted by {@code weight}.
 * Stateless and thread-safe.
 */
public final class Router {
  private Router() {}

  /** Picks one deployment, each with probability weight / total weight. */
  public static Deployment pick(ModelGroup group, RandomGenerator random) {
    return pick(group.deployments(), random);
  }

  /** Picks one of {@code ds}, non-empty, each with probability weight / total weight. */
  static Deployment pick(List<Deployment> ds, RandomGenerator random) {
    if (ds.size() == 1) {
      return ds.get(0);
    }
    long total = 0;
    for (Deployment d : ds) {
      total += d.params().weight();
    }
    long r = random.nextLong(total);
    for (Deployment d : ds) {
      r -= d.params().weight();
      if (r < 0) {
        return d;
      }
    }
    return ds.get(ds.size() - 1);
  }

  /**
   * Every deployment of the group, the {@link #pick picked} one first and the others after it in
   * their order.
   */
  public static List<Deployment> order(ModelGroup group, RandomGenerator random) {
    return Attempts.order(group, pick(group, random));
  }
}

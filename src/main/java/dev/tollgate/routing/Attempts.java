package dev.tollgate.routing;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The attempt loop of one request over its model group: which deployment to try next after a
 * failure, or none. The first is {@link Router#pick picked} by weight; after it, the others in the
 * group's order, round and round. A deployment that admission passes over on its own account (its
 * rate limits or budget) gives way to the next without counting as a retry, until every deployment
 * was passed over in a row; a failed attempt is retried as the {@link RetryRule} allows, on another
 * deployment when the group has one. Fallbacks to other groups and cooldowns belong here too, as
 * further sources of the next deployment.
 *
 * <p>One per request; not thread-safe (the request's event loop). Allocates nothing beyond itself
 * until a first failure.
 */
public final class Attempts {
  private final ModelGroup group;
  private final RetryRule rule;
  private final RandomGenerator random;

  /** The group in trying order, from the first pick; built on the first failure. */
  private @Nullable List<Deployment> order;

  private @Nullable Deployment current;
  private int index;
  private int started;
  private int retries;
  private int passedOverInARow;
  private long delayMillis;

  private Attempts(ModelGroup group, RetryRule rule, RandomGenerator random) {
    this.group = requireNonNull(group, "group");
    this.rule = requireNonNull(rule, "rule");
    this.random = requireNonNull(random, "random");
  }

  /** The attempts of one request on {@code group}; {@code random} picks and jitters. */
  public static Attempts of(ModelGroup group, RetryRule rule, RandomGenerator random) {
    return new Attempts(group, rule, random);
  }

  /**
   * The deployment to try next: the first one when {@code last} is null, else the one to try after
   * {@code last} failed, or empty when the request has no more attempts and {@code last}'s error is
   * its answer. Wait {@link #delayMillis()} before trying it.
   */
  public Optional<Deployment> next(@Nullable Failure last) {
    Deployment d = current;
    if (last == null || d == null) {
      return Optional.of(first());
    }
    List<Deployment> ds = group.deployments();
    switch (last) {
      case Failure.Refused r -> {
        return Optional.empty();
      }
      case Failure.PassedOver p -> {
        if (++passedOverInARow >= ds.size()) {
          return Optional.empty();
        }
        return Optional.of(start(following(), 0));
      }
      case Failure.Failed f -> {
        if (retries >= rule.allowed(f.error(), d)) {
          return Optional.empty();
        }
        retries++;
        passedOverInARow = 0;
        Deployment n = following();
        return Optional.of(
            start(n, rule.delayMillis(retries, n == d, f.retryAfterMillis(), random)));
      }
    }
  }

  /** The first deployment to try: {@code next(null)} without its {@code Optional}. */
  public Deployment first() {
    if (current != null) {
      throw new IllegalStateException("the first attempt was already given");
    }
    return start(Router.pick(group, random), 0);
  }

  private Deployment start(Deployment d, long delay) {
    current = d;
    started++;
    delayMillis = delay;
    return d;
  }

  /** The deployment after the current one in trying order, wrapping round. */
  private Deployment following() {
    List<Deployment> o = order;
    if (o == null) {
      o = order(group, requireNonNull(current, "current"));
      order = o;
    }
    if (o.size() == 1) {
      return o.get(0);
    }
    index = (index + 1) % o.size();
    return o.get(index);
  }

  /** Every deployment of the group, {@code first} first and the others after it in their order. */
  static List<Deployment> order(ModelGroup group, Deployment first) {
    List<Deployment> ds = group.deployments();
    if (ds.size() == 1) {
      return ds;
    }
    List<Deployment> out = new ArrayList<>(ds.size());
    out.add(first);
    for (Deployment d : ds) {
      if (d != first) {
        out.add(d);
      }
    }
    return out;
  }

  /** The deployment of the attempt in progress (the last one {@link #next} gave). */
  public Deployment current() {
    return requireNonNull(current, "no attempt yet");
  }

  /** How many attempts were started, passed over or not: 1 during the first. */
  public int started() {
    return started;
  }

  /** How many retries were taken after failed attempts (passing over is no retry). */
  public int retries() {
    return retries;
  }

  /** How long to wait before the attempt {@link #next} gave last. */
  public long delayMillis() {
    return delayMillis;
  }
}

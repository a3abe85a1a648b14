package dev.tollgate.routing;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.RouterSettings;
import dev.tollgate.routing.RetryRule.ErrorClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The attempt loop of one request: which deployment to try next after a failure, or none. The first
 * is {@link Routing#pick picked} by the routing strategy among the group's deployments that are not
 * cooling down; after it, the others in the group's order, round and round, passing over those
 * cooling down. A deployment that admission passes over on its own account (its rate limits or
 * budget) gives way to the next without counting as a retry, until every deployment was passed over
 * in a row; a failed attempt is retried as the {@link RetryRule} allows, on another deployment when
 * the group has one.
 *
 * <p>Once the group has no attempt left, the request falls back to other model groups, each a new
 * group with its own retries, at most {@code max_fallbacks} of them: on an error that says the
 * request is longer than the model's context, the {@code context_window_fallbacks}; on a content
 * filter, the {@code content_policy_fallbacks}; on any other failure of the deployments (not a
 * client's bad request, and not a refusal of the caller) the request's own {@code fallbacks}, else
 * {@code fallbacks} for the group (or for {@code *}), else {@code default_fallbacks}. Each fallback
 * attempt is admitted like any other: the key's access to the model, every budget and every rate
 * limit are checked again, at the fallback deployment's price. A caller refused by a budget or rate
 * limit is answered at once, never served by a fallback.
 *
 * <p>One per request; not thread-safe (the request's event loop). Allocates nothing beyond itself
 * until a first failure.
 */
public final class Attempts {
  /** Resolves a fallback target: its group, if it exists and the caller may use it. */
  public interface Targets {
    @Nullable ModelGroup fallbackGroup(String name);
  }

  private final Routing routing;
  private final RetryRule rule;
  private final RandomGenerator random;
  private final boolean stream;
  private final Targets targets;
  private final List<String> requested;
  private final ModelGroup primary;
  private ModelGroup group;

  /** The group in trying order, from the first pick; built on the first failure in the group. */
  private @Nullable List<Deployment> order;

  /** The fallback groups chosen at the first fallback, and how far along them the request is. */
  private @Nullable List<String> chain;

  private int chainIndex;

  private @Nullable Deployment current;
  private int index;
  private int started;
  private int retries;
  private int groupRetries;
  private int fallbacks;
  private int passedOverInARow;
  private long delayMillis;

  private Attempts(
      ModelGroup group,
      RetryRule rule,
      RandomGenerator random,
      Routing routing,
      boolean stream,
      Targets targets,
      List<String> requested) {
    this.primary = requireNonNull(group, "group");
    this.group = group;
    this.rule = requireNonNull(rule, "rule");
    this.random = requireNonNull(random, "random");
    this.routing = requireNonNull(routing, "routing");
    this.stream = stream;
    this.targets = requireNonNull(targets, "targets");
    this.requested = requireNonNull(requested, "requested");
  }

  /** The attempts of one request on {@code group}, without fallbacks or cooldowns. */
  public static Attempts of(ModelGroup group, RetryRule rule, RandomGenerator random) {
    return new Attempts(group, rule, random, Routing.simple(), false, name -> null, List.of());
  }

  /**
   * The attempts of one request on {@code group}.
   *
   * @param requested the request's own {@code fallbacks}
   */
  public static Attempts of(
      ModelGroup group,
      RetryRule rule,
      RandomGenerator random,
      Routing routing,
      boolean stream,
      Targets targets,
      List<String> requested) {
    return new Attempts(group, rule, random, routing, stream, targets, requested);
  }

  /**
   * The first deployment to try, or null when every deployment of the group is cooling down and no
   * fallback can serve: {@link #unavailable} is then the answer.
   */
  public @Nullable Deployment first() {
    if (current != null) {
      throw new IllegalStateException("the first attempt was already given");
    }
    Deployment d = routing.pick(group, random, stream);
    if (d != null) {
      return start(d, 0);
    }
    return fallback(unavailable(group), true).orElse(null);
  }

  /**
   * The deployment to try after {@code last} failed, or empty when the request has no more attempts
   * and {@code last}'s error is its answer. Wait {@link #delayMillis()} before trying it.
   */
  public Optional<Deployment> next(Failure last) {
    Deployment d = requireNonNull(current, "no attempt yet");
    List<Deployment> ds = group.deployments();
    switch (last) {
      case Failure.Refused r -> {
        return Optional.empty();
      }
      case Failure.PassedOver p -> {
        if (++passedOverInARow < ds.size()) {
          Deployment n = following(true);
          if (n != null) {
            return Optional.of(start(n, 0));
          }
        }
        return fallback(p.error(), true);
      }
      case Failure.Failed f -> {
        if (groupRetries < rule.allowed(f.error(), d)) {
          Deployment n = following(false);
          if (n != null) {
            retries++;
            groupRetries++;
            passedOverInARow = 0;
            return Optional.of(
                start(n, rule.delayMillis(groupRetries, n == d, f.retryAfterMillis(), random)));
          }
        }
        return fallback(f.error(), false);
      }
    }
  }

  /**
   * The next fallback group's first deployment, after {@code error} ended the group's attempts.
   *
   * @param passedOver whether no deployment was tried: all were passed over by admission on their
   *     own account, or were cooling down; the request then falls back whatever the error says
   */
  private Optional<Deployment> fallback(GatewayException error, boolean passedOver) {
    List<String> c = chain;
    if (c == null) {
      c = chainFor(error, passedOver);
      chain = c;
    } else if (!passedOver && !fallsBack(error)) {
      return Optional.empty();
    }
    int max = routing.settings().maxFallbacks();
    while (chainIndex < c.size() && fallbacks < max) {
      String name = c.get(chainIndex++);
      ModelGroup g = targets.fallbackGroup(name);
      if (g == null || g.name().equals(group.name()) || g.name().equals(primary.name())) {
        continue;
      }
      fallbacks++;
      Deployment d = routing.pick(g, random, stream);
      if (d == null) {
        continue;
      }
      group = g;
      order = null;
      index = 0;
      groupRetries = 0;
      passedOverInARow = 0;
      return Optional.of(start(d, 0));
    }
    return Optional.empty();
  }

  /** The fallback groups for a request whose requested group failed with {@code error}. */
  private List<String> chainFor(GatewayException error, boolean passedOver) {
    RouterSettings s = routing.settings();
    String name = primary.name();
    if (!passedOver) {
      if (contextWindow(error)) {
        return s.contextWindowFallbacks().getOrDefault(name, List.of());
      }
      if (ErrorClass.of(error) == ErrorClass.CONTENT_POLICY) {
        return s.contentPolicyFallbacks().getOrDefault(name, List.of());
      }
      if (!fallsBack(error)) {
        return List.of();
      }
    }
    if (!requested.isEmpty()) {
      return requested;
    }
    List<String> own = s.fallbacks().get(name);
    if (own == null) {
      own = s.fallbacks().get("*");
    }
    return own != null ? own : s.defaultFallbacks();
  }

  /**
   * Whether a failure with {@code error} may go on to a fallback: the deployments' failures, not
   * what the client must fix (a bad request, a context too long for this chain) or a client gone.
   */
  private static boolean fallsBack(GatewayException error) {
    int status = error.status();
    if (status == 499) {
      return false;
    }
    ErrorClass c = ErrorClass.of(error);
    return c != ErrorClass.BAD_REQUEST && c != ErrorClass.CONTENT_POLICY;
  }

  /** Whether {@code error} says the request is longer than the model's context window. */
  public static boolean contextWindow(GatewayException error) {
    if (error.status() != 400 && error.status() != 413) {
      return false;
    }
    String code = error.code();
    if (code != null && code.contains("context_length")) {
      return true;
    }
    String m = error.getMessage();
    if (m == null) {
      return false;
    }
    String lower = m.toLowerCase(Locale.ROOT);
    return lower.contains("context length")
        || lower.contains("context window")
        || lower.contains("maximum context")
        || lower.contains("prompt is too long")
        || lower.contains("input is too long");
  }

  /** The 503 for a group whose every deployment is cooling down, with when one is back. */
  public GatewayException unavailable(ModelGroup g) {
    long until = routing.coolingUntil(g);
    long wait = Math.max(1, (until - routing.now() + 999) / 1000);
    return GatewayException.of(
            503,
            "service_unavailable_error",
            "model",
            "all_deployments_cooling_down",
            "every deployment of model group '"
                + g.name()
                + "' is cooling down after failures; try again in "
                + wait
                + " s")
        .withRetryAfter(wait);
  }

  private Deployment start(Deployment d, long delay) {
    current = d;
    started++;
    delayMillis = delay;
    return d;
  }

  /**
   * The deployment after the current one in trying order, wrapping round, passing over those
   * cooling down (the current one included unless {@code passing}); null when every other one is.
   */
  private @Nullable Deployment following(boolean passing) {
    List<Deployment> o = order;
    Deployment c = requireNonNull(current, "current");
    if (o == null) {
      o = order(group, c);
      order = o;
      index = 0;
    }
    if (o.size() == 1) {
      return routing.cooling(o.get(0)) ? null : o.get(0);
    }
    for (int i = 0; i < o.size(); i++) {
      index = (index + 1) % o.size();
      Deployment n = o.get(index);
      if (!routing.cooling(n)) {
        return n;
      }
    }
    return null;
  }

  /**
   * Every deployment of the group, {@code first} first and the others after it by {@code order}
   * (LiteLLM's priority), then as listed.
   */
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
    out.subList(1, out.size()).sort(java.util.Comparator.comparingInt(Routing::order));
    return out;
  }

  /** The deployment of the attempt in progress (the last one {@link #next} gave). */
  public Deployment current() {
    return requireNonNull(current, "no attempt yet");
  }

  /** The model group of the attempt in progress: the requested one, or a fallback. */
  public ModelGroup group() {
    return group;
  }

  /** How many attempts were started, passed over or not: 1 during the first. */
  public int started() {
    return started;
  }

  /** How many retries were taken after failed attempts (passing over is no retry). */
  public int retries() {
    return retries;
  }

  /** How many fallback groups were tried. */
  public int fallbacks() {
    return fallbacks;
  }

  /** How long to wait before the attempt {@link #next} gave last. */
  public long delayMillis() {
    return delayMillis;
  }
}

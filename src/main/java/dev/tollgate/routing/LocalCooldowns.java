package dev.tollgate.routing;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.RouterSettings;
import dev.tollgate.routing.RetryRule.ErrorClass;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * LiteLLM's cooldown rule, in this process: a deployment that fails more than {@code allowed_fails}
 * times within a minute (or {@code allowed_fails_policy}'s count for the error's class) is passed
 * over for {@code cooldown_time}; a 429 cools it down at once. Only failures that are the
 * deployment's doing count: rate limits, timeouts, 5xx, connection failures, authentication (a bad
 * key in its config) and not found (a model it does not have); a client's bad request or a content
 * filter counts only when the policy names its class. As in LiteLLM, the only deployment of a group
 * is never cooled down: there is nothing else to send its requests to. Thread-safe.
 */
public final class LocalCooldowns implements Cooldowns {
  private final int allowedFails;
  private final long cooldownMillis;
  private final Map<ErrorClass, Integer> policy;
  private final ToIntFunction<String> groupSize;
  private final java.util.function.ObjLongConsumer<String> onCooled;
  private final ConcurrentHashMap<String, Fails> fails = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> until = new ConcurrentHashMap<>();

  /** The end of the latest cooldown: at or after it nothing is cooling, and no lookup is needed. */
  private volatile long latestUntil;

  /**
   * @param groupSize how many deployments the group of deployment {@code modelName} has now
   */
  public LocalCooldowns(RouterSettings s, ToIntFunction<String> groupSize) {
    this(s, groupSize, (id, end) -> {});
  }

  /**
   * @param onCooled hears each cooldown this instance's own failures start: the deployment id and
   *     when it ends (to share it with other instances)
   */
  public LocalCooldowns(
      RouterSettings s,
      ToIntFunction<String> groupSize,
      java.util.function.ObjLongConsumer<String> onCooled) {
    this.onCooled = requireNonNull(onCooled, "onCooled");
    this.allowedFails = s.allowedFails();
    this.cooldownMillis = s.cooldownMillis();
    this.groupSize = requireNonNull(groupSize, "groupSize");
    Map<ErrorClass, Integer> p = new EnumMap<>(ErrorClass.class);
    for (ErrorClass c : ErrorClass.values()) {
      if (c.configName().isEmpty()) {
        continue;
      }
      String name = c.configName().replace("Retries", "AllowedFails");
      Integer n = s.allowedFailsPolicy().get(name);
      if (n != null) {
        p.put(c, n);
      }
    }
    this.policy = Map.copyOf(p);
  }

  @Override
  public void failed(Deployment d, GatewayException error, long now) {
    if (cooldownMillis == 0 || groupSize.applyAsInt(d.modelName()) <= 1) {
      return;
    }
    int status = error.status();
    ErrorClass c = ErrorClass.of(error);
    Integer byPolicy = policy.get(c);
    int allowed;
    if (byPolicy != null) {
      allowed = byPolicy;
    } else if (status == 429) {
      allowed = 0;
    } else if (counts(c, status)) {
      allowed = allowedFails;
    } else {
      return;
    }
    long minute = now / 60_000;
    Fails f = fails.computeIfAbsent(d.id(), k -> new Fails());
    int count;
    synchronized (f) {
      if (f.minute != minute) {
        f.minute = minute;
        f.count = 0;
      }
      count = ++f.count;
    }
    if (count > allowed) {
      coolUntil(d.id(), now + cooldownMillis);
      onCooled.accept(d.id(), now + cooldownMillis);
    }
  }

  /** Whether a failure of this class counts towards a cooldown when no policy names it. */
  private static boolean counts(ErrorClass c, int status) {
    return switch (c) {
      case TIMEOUT, RATE_LIMIT, INTERNAL_SERVER, AUTHENTICATION -> true;
      case BAD_REQUEST, CONTENT_POLICY -> false;
      case OTHER -> status == 404;
    };
  }

  /** Cools deployment {@code id} down until {@code end}, or longer if it already was. */
  public void coolUntil(String id, long end) {
    until.merge(id, end, Math::max);
    synchronized (this) {
      if (end > latestUntil) {
        latestUntil = end;
      }
    }
  }

  @Override
  public boolean cooling(String id, long now) {
    if (now >= latestUntil) {
      return false;
    }
    Long end = until.get(id);
    return end != null && now < end;
  }

  @Override
  public long coolingUntil(String id, long now) {
    Long end = until.get(id);
    return end != null && now < end ? end : 0;
  }

  private static final class Fails {
    long minute = -1;
    int count;
  }
}

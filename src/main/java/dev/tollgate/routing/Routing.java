package dev.tollgate.routing;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.RouterSettings;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.RateKey;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ObjIntConsumer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The router's shared state, one per gateway and thread-safe: which deployments are cooling down,
 * and what the routing strategy learns from the traffic. The request path tells it when an attempt
 * starts and ends and asks it which deployment of a group to try; the health checks tell it which
 * deployments failed. It reads the registry's snapshots and never changes them.
 *
 * <p>Choosing within a group: deployments cooling down are passed over; of the rest, those with the
 * lowest {@code order} (LiteLLM's deployment priority; none is last) are the candidates; the {@code
 * routing_strategy} chooses among them:
 *
 * <ul>
 *   <li>{@code simple-shuffle}: at random, by {@code weight};
 *   <li>{@code least-busy}: the fewest attempts in flight on this instance;
 *   <li>{@code latency-based-routing}: the lowest moving average of time to first token (streams)
 *       or of whole latency (the rest); a deployment not yet measured goes first, and those within
 *       {@code lowest_latency_buffer} of the fastest are chosen among at random;
 *   <li>{@code usage-based-routing-v2}: the lowest share of its {@code tpm} (else {@code rpm}) used
 *       this minute, on this instance; a deployment without either goes by its tokens this minute;
 *   <li>{@code cost-based-routing}: the lowest input plus output price per token; a free deployment
 *       costs nothing, and an unknown price goes last, never taken for free.
 * </ul>
 */
public final class Routing {
  private final RouterSettings settings;
  private final Cooldowns cooldowns;
  private final Clock clock;
  private final Strategy strategy;
  private final boolean tracking;
  private final double latencyBuffer;
  private final ConcurrentHashMap<String, Load> loads = new ConcurrentHashMap<>();
  private final SharedUsage usage;
  private final ObjIntConsumer<Deployment> onCooledDown;

  public Routing(RouterSettings settings, Cooldowns cooldowns, Clock clock) {
    this(settings, cooldowns, clock, SharedUsage.local());
  }

  /**
   * @param usage where {@code usage-based-routing-v2} counts and reads each deployment's use
   */
  public Routing(RouterSettings settings, Cooldowns cooldowns, Clock clock, SharedUsage usage) {
    this(settings, cooldowns, clock, usage, (d, status) -> {});
  }

  /**
   * @param onCooledDown hears each cooldown a failure on this instance starts (or extends): the
   *     deployment and the failure's status; called on the failing request's thread
   */
  public Routing(
      RouterSettings settings,
      Cooldowns cooldowns,
      Clock clock,
      SharedUsage usage,
      ObjIntConsumer<Deployment> onCooledDown) {
    this.onCooledDown = requireNonNull(onCooledDown, "onCooledDown");
    this.usage = requireNonNull(usage, "usage");
    this.settings = requireNonNull(settings, "settings");
    this.cooldowns = requireNonNull(cooldowns, "cooldowns");
    this.clock = requireNonNull(clock, "clock");
    this.strategy = Strategy.of(settings.routingStrategy());
    this.tracking = strategy != Strategy.SIMPLE_SHUFFLE && strategy != Strategy.COST;
    this.latencyBuffer = settings.lowestLatencyBuffer().doubleValue();
  }

  /** No cooldowns and no learning: simple shuffle, for tests and tools. */
  public static Routing simple() {
    return new Routing(RouterSettings.defaults(), Cooldowns.NONE, Clock.systemUTC());
  }

  public RouterSettings settings() {
    return settings;
  }

  public Cooldowns cooldowns() {
    return cooldowns;
  }

  public long now() {
    return clock.millis();
  }

  /** The strategies, by LiteLLM's names. */
  enum Strategy {
    SIMPLE_SHUFFLE,
    LEAST_BUSY,
    LATENCY,
    USAGE,
    COST;

    static Strategy of(String name) {
      return switch (name) {
        case "least-busy" -> LEAST_BUSY;
        case "latency-based-routing" -> LATENCY;
        case "usage-based-routing-v2", "usage-based-routing" -> USAGE;
        case "cost-based-routing" -> COST;
        default -> SIMPLE_SHUFFLE;
      };
    }
  }

  /**
   * The deployment of {@code group} to try first, or null when every one is cooling down.
   *
   * @param stream whether the request streams (latency-based routing compares time to first token)
   */
  public @Nullable Deployment pick(ModelGroup group, RandomGenerator random, boolean stream) {
    List<Deployment> ds = group.deployments();
    long now = clock.millis();
    if (ds.size() == 1) {
      // The only deployment of a group is never cooled down.
      return ds.get(0);
    }
    List<Deployment> candidates = candidates(ds, now);
    if (candidates.isEmpty()) {
      return null;
    }
    return choose(candidates, random, stream, now);
  }

  /** Those of {@code ds} not cooling, with the lowest {@code order}: {@code ds} itself if all. */
  private List<Deployment> candidates(List<Deployment> ds, long now) {
    int best = Integer.MAX_VALUE;
    boolean dropped = false;
    for (Deployment d : ds) {
      if (cooldowns.cooling(d.id(), now)) {
        dropped = true;
      } else {
        best = Math.min(best, order(d));
      }
    }
    if (best == Integer.MAX_VALUE) {
      return List.of();
    }
    if (!dropped) {
      for (Deployment d : ds) {
        if (order(d) != best) {
          dropped = true;
          break;
        }
      }
      if (!dropped) {
        return ds;
      }
    }
    List<Deployment> out = new ArrayList<>(ds.size());
    for (Deployment d : ds) {
      if (order(d) == best && !cooldowns.cooling(d.id(), now)) {
        out.add(d);
      }
    }
    return out;
  }

  /** LiteLLM's {@code order}: lower is tried first; none comes after every number. */
  static int order(Deployment d) {
    Object o = d.params().extra().get("order");
    if (o instanceof Number n) {
      return (int) Math.max(Integer.MIN_VALUE, Math.min(n.longValue(), Integer.MAX_VALUE - 2));
    }
    return Integer.MAX_VALUE - 1;
  }

  private Deployment choose(List<Deployment> cs, RandomGenerator random, boolean stream, long now) {
    if (cs.size() == 1) {
      return cs.get(0);
    }
    return switch (strategy) {
      case SIMPLE_SHUFFLE -> Router.pick(cs, random);
      case LEAST_BUSY -> lowest(cs, random, d -> load(d).inFlight.get(), 0);
      case LATENCY -> lowest(cs, random, d -> load(d).latency(stream), latencyBuffer);
      case USAGE -> lowest(cs, random, d -> usageScore(d, now), 0);
      case COST -> lowest(cs, random, Routing::costScore, 0);
    };
  }

  /**
   * The deployment with the lowest score, at random among ties and among those within {@code
   * buffer} (a fraction) of the lowest.
   */
  private static Deployment lowest(
      List<Deployment> cs,
      RandomGenerator random,
      java.util.function.ToDoubleFunction<Deployment> score,
      double buffer) {
    double[] scores = new double[cs.size()];
    double min = Double.POSITIVE_INFINITY;
    for (int i = 0; i < cs.size(); i++) {
      scores[i] = score.applyAsDouble(cs.get(i));
      min = Math.min(min, scores[i]);
    }
    double bound = min == Double.POSITIVE_INFINITY ? min : min + Math.abs(min) * buffer;
    int ties = 0;
    for (double s : scores) {
      if (s <= bound) {
        ties++;
      }
    }
    int chosen = ties == 1 ? 0 : random.nextInt(ties);
    for (int i = 0; i < cs.size(); i++) {
      if (scores[i] <= bound && chosen-- == 0) {
        return cs.get(i);
      }
    }
    return cs.get(0);
  }

  /**
   * Input plus output price of one token, in USD; a free deployment 0, an unknown price after every
   * known one. Used to rank, never to bill.
   */
  static double costScore(Deployment d) {
    return switch (d.price()) {
      case Price.Unknown u -> Double.POSITIVE_INFINITY;
      case Price.Free f -> 0;
      case Price.Priced p -> {
        BigDecimal in = p.rates().get(RateKey.INPUT).orElse(null);
        BigDecimal out = p.rates().get(RateKey.OUTPUT).orElse(null);
        if (in == null && out == null) {
          // Priced by something other than tokens (images, seconds): ranked after token prices.
          yield Double.MAX_VALUE;
        }
        yield (in == null ? BigDecimal.ZERO : in)
            .add(out == null ? BigDecimal.ZERO : out)
            .doubleValue();
      }
    };
  }

  /**
   * This minute's use of {@code d}: the share of its {@code tpm}, else {@code rpm}, else tokens.
   */
  private double usageScore(Deployment d, long now) {
    long minute = now / 60_000;
    long t = usage.tokens(d.id(), minute);
    var tpm = d.params().tpm();
    if (tpm.isPresent() && tpm.getAsLong() > 0) {
      return (double) t / tpm.getAsLong();
    }
    var rpm = d.params().rpm();
    if (rpm.isPresent() && rpm.getAsLong() > 0) {
      return (double) (usage.requests(d.id(), minute) + load(d).inFlight.get()) / rpm.getAsLong();
    }
    return t;
  }

  /** The tokens used on deployment {@code id} this minute, as this instance knows them. */
  public long tokensThisMinute(String id) {
    return usage.tokens(id, clock.millis() / 60_000);
  }

  private Load load(Deployment d) {
    return loads.computeIfAbsent(d.id(), k -> new Load());
  }

  /** An attempt on {@code d} was forwarded upstream. */
  public void started(Deployment d) {
    if (tracking) {
      load(d).inFlight.incrementAndGet();
    }
  }

  /**
   * An attempt on {@code d} that {@link #started} has ended.
   *
   * @param latencyNanos from forwarding to the end of the answer
   * @param firstByteNanos from forwarding to the first streamed byte, or -1 when not streamed
   * @param tokens the tokens it used (input and output), 0 when unknown
   * @param error why it failed, or null when it served
   */
  public void ended(
      Deployment d,
      long latencyNanos,
      long firstByteNanos,
      long tokens,
      @Nullable GatewayException error) {
    if (tracking) {
      long now = clock.millis();
      load(d).ended(latencyNanos, firstByteNanos, error != null);
      if (strategy == Strategy.USAGE) {
        usage.add(d.id(), now / 60_000, tokens, 1);
      }
    }
    if (error != null) {
      failed(d, error);
    }
  }

  /** {@code d} failed with {@code error}, on a request or a health check: may cool it down. */
  public void failed(Deployment d, GatewayException error) {
    long now = clock.millis();
    long before = cooldowns.coolingUntil(d.id(), now);
    cooldowns.failed(d, error, now);
    if (cooldowns.coolingUntil(d.id(), now) > before) {
      onCooledDown.accept(d, error.status());
    }
  }

  /** Whether {@code d} is cooling down now. */
  public boolean cooling(Deployment d) {
    return cooling(d.id());
  }

  /** Whether the deployment with this id is cooling down now. */
  public boolean cooling(String deploymentId) {
    return cooldowns.cooling(deploymentId, clock.millis());
  }

  /** The soonest end of a cooldown among {@code group}'s deployments, or 0 if none is cooling. */
  public long coolingUntil(ModelGroup group) {
    long now = clock.millis();
    long soonest = 0;
    for (Deployment d : group.deployments()) {
      long u = cooldowns.coolingUntil(d.id(), now);
      if (u > 0 && (soonest == 0 || u < soonest)) {
        soonest = u;
      }
    }
    return soonest;
  }

  /** What the strategies know of one deployment, on this instance. */
  static final class Load {
    /** The weight of a new measurement in the moving averages. */
    static final double ALPHA = 0.3;

    final AtomicInteger inFlight = new AtomicInteger();
    private double latency = -1;
    private double firstByte = -1;

    synchronized void ended(long latencyNanos, long firstByteNanos, boolean failed) {
      inFlight.decrementAndGet();
      if (failed) {
        return;
      }
      latency = latency < 0 ? latencyNanos : latency + ALPHA * (latencyNanos - latency);
      if (firstByteNanos >= 0) {
        firstByte =
            firstByte < 0 ? firstByteNanos : firstByte + ALPHA * (firstByteNanos - firstByte);
      }
    }

    /** A moving average in nanoseconds; 0 before any measurement, so a new one is tried. */
    synchronized double latency(boolean stream) {
      double v = stream && firstByte >= 0 ? firstByte : latency;
      return Math.max(v, 0);
    }
  }
}

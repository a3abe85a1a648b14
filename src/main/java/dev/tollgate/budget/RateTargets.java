package dev.tollgate.budget;

import dev.tollgate.budget.Targets.ModelRef;
import dev.tollgate.budget.Targets.Subject;
import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.Customer;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.ModelBudget;
import dev.tollgate.governance.Organization;
import dev.tollgate.governance.RateLimits;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.User;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.meter.Meter.Check;
import dev.tollgate.meter.Meter.Kind;
import dev.tollgate.meter.Meter.Reading;
import dev.tollgate.meter.Meter.Settlement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Which rate limits apply to a request: RPM, TPM and in-flight limits of its key, user, team and
 * customer, per-model limits ({@code model_rpm_limit}, {@code model_tpm_limit}, and the {@code
 * rpm_limit} and {@code tpm_limit} of {@code model_max_budget} entries of keys, users and
 * customers), and its deployment's {@code rpm} and {@code tpm}. Memory only; thread-safe.
 *
 * <p>Windows are fixed minutes aligned to the clock (12:00:00.000 to 12:00:59.999): a request
 * counts in the minute it settles, its reserved tokens in the minute it was admitted. A limit
 * blocks when used + reserved ≥ limit, and the refusal's {@code retry-after} is the time to the
 * next minute. In-flight limits ({@code max_parallel_requests}) count admitted requests until they
 * settle.
 */
final class RateTargets {
  /** The length of a rate window. */
  static final long WINDOW_MILLIS = 60_000;

  private final Targets targets;

  RateTargets(Targets targets) {
    this.targets = targets;
  }

  /**
   * OpenAI's rate-limit headers for an admitted request: {@code x-ratelimit-limit-requests}, {@code
   * -remaining-requests} and {@code -reset-requests} for the RPM limit with the fewest requests
   * left after this one, and the same with {@code -tokens} for TPM, so that clients that pace
   * themselves by OpenAI's headers pace themselves by the gateway's limits. Deployment limits (for
   * routing) and in-flight limits are left out.
   *
   * @param checks the admitted checks of {@code lines}, in order
   * @param before their readings before this request's reservation
   */
  static Map<String, String> headers(
      List<Line> lines, List<Check> checks, List<Reading> before, long now) {
    Map<String, String> h = new java.util.LinkedHashMap<>();
    tightest(lines, checks, before, now, Measure.RPM, h);
    tightest(lines, checks, before, now, Measure.TPM, h);
    return h;
  }

  /** One limit's three OpenAI headers, named for its unit ({@code requests} or {@code tokens}). */
  private static void put(
      Map<String, String> h, Measure measure, long limit, long left, long resetMillis) {
    h.put("x-ratelimit-limit-" + measure.unit, Long.toString(limit));
    h.put("x-ratelimit-remaining-" + measure.unit, Long.toString(left));
    h.put("x-ratelimit-reset-" + measure.unit, duration(resetMillis));
  }

  private static void tightest(
      List<Line> lines,
      List<Check> checks,
      List<Reading> before,
      long now,
      Measure measure,
      Map<String, String> h) {
    int best = -1;
    long bestLeft = Long.MAX_VALUE;
    for (int i = 0; i < lines.size(); i++) {
      Line l = lines.get(i);
      if (l.measure() != measure || !l.reported()) {
        continue;
      }
      Reading r = before.get(i);
      long left = Math.max(0, l.limit() - r.used() - r.reserved() - checks.get(i).reserve());
      if (left < bestLeft) {
        best = i;
        bestLeft = left;
      }
    }
    if (best < 0) {
      return;
    }
    put(h, measure, lines.get(best).limit(), bestLeft, checks.get(best).windowEnd() - now);
  }

  /**
   * A duration as OpenAI writes it in {@code x-ratelimit-reset-*}: {@code 12.5s}, {@code 250ms}.
   */
  static String duration(long millis) {
    if (millis < 1000) {
      return Math.max(0, millis) + "ms";
    }
    long ms = millis % 1000;
    if (ms == 0) {
      return millis / 1000 + "s";
    }
    String frac = Long.toString(1000 + ms).substring(1);
    int end = frac.length();
    while (frac.charAt(end - 1) == '0') {
      end--;
    }
    return millis / 1000 + "." + frac.substring(0, end) + "s";
  }

  /** What a rate limit counts. */
  enum Measure {
    RPM("rpm_limit", "requests"),
    TPM("tpm_limit", "tokens"),
    PARALLEL("max_parallel_requests", "requests in flight");

    final String field;
    final String unit;

    Measure(String field, String unit) {
      this.field = field;
      this.unit = unit;
    }
  }

  /**
   * One rate limit that applies.
   *
   * @param owner the entity's kind on the wire: {@code key}, {@code user}, {@code team}, {@code
   *     customer}, {@code key_model}, {@code user_model}, {@code customer_model} or {@code
   *     deployment}
   * @param label how messages name it
   */
  record Line(String counter, String owner, String label, Measure measure, long limit) {

    /** The check at admission: the current minute's window, or the in-flight gauge. */
    Check check(long now, Estimate estimate) {
      long start = now - Math.floorMod(now, WINDOW_MILLIS);
      return switch (measure) {
        case RPM -> new Check(counter, Kind.WINDOW, start, start + WINDOW_MILLIS, limit, 1, -1, 0);
        case TPM ->
            new Check(
                counter,
                Kind.WINDOW,
                start,
                start + WINDOW_MILLIS,
                limit,
                estimate.tokens(),
                -1,
                0);
        case PARALLEL -> new Check(counter, Kind.GAUGE, 0, Long.MAX_VALUE, limit, 1, -1, 0);
      };
    }

    /**
     * What settling does: gives back the reservation in the window it was taken in, and counts the
     * request (RPM) or its tokens (TPM) in the window current at {@code now}.
     */
    List<Settlement> settle(Check reserved, long now, long tokens) {
      if (measure == Measure.PARALLEL) {
        return List.of(new Settlement(reserved, reserved.reserve(), 0, 0, 0, Long.MAX_VALUE));
      }
      long add = measure == Measure.RPM ? 1 : tokens;
      long start = now - Math.floorMod(now, WINDOW_MILLIS);
      if (start == reserved.windowStart()) {
        return List.of(new Settlement(reserved, reserved.reserve(), add, 0, 0, Long.MAX_VALUE));
      }
      Check current =
          new Check(counter, Kind.WINDOW, start, start + WINDOW_MILLIS, limit, 0, -1, 0);
      List<Settlement> out = new ArrayList<>(2);
      out.add(new Settlement(reserved, reserved.reserve(), 0, 0, 0, Long.MAX_VALUE));
      out.add(new Settlement(current, 0, add, 0, 0, Long.MAX_VALUE));
      return out;
    }

    /** The 429 for this limit, with {@code retry-after}. */
    GatewayException exceeded(Reading r, long now) {
      long retryMillis = measure == Measure.PARALLEL ? 1000 : Math.max(1, r.windowEnd() - now);
      long retry = (retryMillis + 999) / 1000;
      String state =
          measure == Measure.PARALLEL
              ? "has " + r.reserved() + " requests in flight"
              : "has used "
                  + r.used()
                  + " "
                  + measure.unit
                  + (r.reserved() == 0 ? "" : " (plus " + r.reserved() + " reserved in flight)")
                  + " in the minute that ends at "
                  + Instant.ofEpochMilli(r.windowEnd());
      return GatewayException.of(
              429,
              "rate_limit_exceeded",
              null,
              owner + "_" + measure.field + "_exceeded",
              "Rate limit exceeded: "
                  + label
                  + " "
                  + state
                  + " of its "
                  + measure.field
                  + " "
                  + limit
                  + " (blocked when used + reserved >= limit); retry after "
                  + retry
                  + " s")
          .withRetryAfter(retry)
          .withHeaders(refusedHeaders(r, now));
    }

    /**
     * OpenAI's {@code x-ratelimit-*} headers for this limit on its 429: what it allows, what is
     * left of it (nothing, as it refused), and when its window resets. Only this limit's unit: the
     * other's state was not read. None for in-flight limits (no window) or a deployment's own.
     */
    private Map<String, String> refusedHeaders(Reading r, long now) {
      if (!reported()) {
        return Map.of();
      }
      Map<String, String> h = new java.util.LinkedHashMap<>();
      put(h, measure, limit, Math.max(0, limit - r.used() - r.reserved()), r.windowEnd() - now);
      return h;
    }

    /**
     * Whether OpenAI's headers report this limit: a window (RPM or TPM) of the caller's own, not a
     * deployment's (routing).
     */
    boolean reported() {
      return measure != Measure.PARALLEL && !owner.equals("deployment");
    }
  }

  /**
   * Every rate limit that applies to this request, in the order they are checked: the key's, its
   * per-model limits, the user's (on every key of theirs), the team's and the member's within it,
   * the organization's, the customer's, then the deployment's.
   */
  List<Line> resolve(GovernanceSnapshot s, Subject sub, Admission a, Targets.Trace trace) {
    List<Line> out = new ArrayList<>(4);
    ModelRef model = new ModelRef(a.modelGroup(), Optional.of(a.providerModel()));
    if (sub.keyId().isPresent()) {
      String id = sub.keyId().get();
      VirtualKey k = s.keys().get(id);
      if (k != null) {
        Limits l = s.limitsOf(k.limits(), k.budgetId());
        RateLimits r = l.rate();
        String label = "key '" + k.displayName() + "'";
        entity(out, "key", id, label, r);
        Map<String, ModelBudget> mb = l.modelMaxBudget();
        perModel(
            out,
            "key_model",
            id,
            label,
            merged(r.modelRpmLimit(), mb, Measure.RPM),
            Measure.RPM,
            model,
            trace);
        perModel(
            out,
            "key_model",
            id,
            label,
            merged(r.modelTpmLimit(), mb, Measure.TPM),
            Measure.TPM,
            model,
            trace);
      }
    }
    if (sub.userId().isPresent()) {
      User u = s.users().get(sub.userId().get());
      if (u != null) {
        String label = "user '" + u.id() + "'";
        entity(out, "user", u.id(), label, u.limits().rate());
        if (sub.teamId().isEmpty()) {
          // Per-model limits from model_max_budget apply where its budgets do: personal keys.
          Map<String, ModelBudget> mb = u.limits().modelMaxBudget();
          perModel(
              out,
              "user_model",
              u.id(),
              label,
              merged(Map.of(), mb, Measure.RPM),
              Measure.RPM,
              model,
              trace);
          perModel(
              out,
              "user_model",
              u.id(),
              label,
              merged(Map.of(), mb, Measure.TPM),
              Measure.TPM,
              model,
              trace);
        }
      }
    }
    if (sub.teamId().isPresent()) {
      Team t = s.teams().get(sub.teamId().get());
      if (t != null) {
        String label = "team '" + t.displayName() + "'";
        entity(out, "team", t.id(), label, t.limits().rate());
        if (sub.userId().isPresent()) {
          String m = t.id() + "|" + sub.userId().get();
          String ml = "member '" + sub.userId().get() + "' of " + label;
          limit(out, "team_member", m, ml, Measure.RPM, t.teamMemberRpmLimit());
          limit(out, "team_member", m, ml, Measure.TPM, t.teamMemberTpmLimit());
        }
      }
    }
    if (sub.organizationId().isPresent()) {
      Organization o = s.organizations().get(sub.organizationId().get());
      if (o != null) {
        entity(
            out,
            "organization",
            o.id(),
            "organization '" + o.id() + "'",
            s.limitsOf(o.limits(), o.budgetId()).rate());
      }
    }
    if (sub.customerId().isPresent()) {
      Customer c = s.customers().get(sub.customerId().get());
      if (c != null) {
        Limits l = s.limitsOf(c.limits(), c.budgetId());
        String label = "customer '" + c.id() + "'";
        entity(out, "customer", c.id(), label, l.rate());
        Map<String, ModelBudget> mb = l.modelMaxBudget();
        perModel(
            out,
            "customer_model",
            c.id(),
            label,
            merged(Map.of(), mb, Measure.RPM),
            Measure.RPM,
            model,
            trace);
        perModel(
            out,
            "customer_model",
            c.id(),
            label,
            merged(Map.of(), mb, Measure.TPM),
            Measure.TPM,
            model,
            trace);
      }
    }
    String dep = "deployment '" + a.deploymentId() + "' (" + a.providerModel() + ")";
    limit(out, "deployment", a.deploymentId(), dep, Measure.RPM, a.deploymentRpm());
    limit(out, "deployment", a.deploymentId(), dep, Measure.TPM, a.deploymentTpm());
    return out;
  }

  private static void entity(List<Line> out, String owner, String id, String label, RateLimits r) {
    limit(out, owner, id, label, Measure.RPM, r.rpmLimit());
    limit(out, owner, id, label, Measure.TPM, r.tpmLimit());
    limit(out, owner, id, label, Measure.PARALLEL, r.maxParallelRequests());
  }

  private static void limit(
      List<Line> out, String owner, String id, String label, Measure m, OptionalLong limit) {
    if (limit.isEmpty()) {
      return;
    }
    String counter =
        m == Measure.PARALLEL
            ? "p|" + owner + "|" + id
            : "r|" + owner + "|" + id + "|" + m.name().toLowerCase(java.util.Locale.ROOT);
    out.add(new Line(counter, owner, label, m, limit.getAsLong()));
  }

  /**
   * One measure's per-model limits: {@code limits} ({@code model_rpm_limit} or {@code
   * model_tpm_limit}) and the {@code rpm_limit} or {@code tpm_limit} of {@code model_max_budget}
   * entries. Where both name a model, the lower holds: one counter per model, one limit on it.
   */
  static Map<String, Long> merged(
      Map<String, Long> limits, Map<String, ModelBudget> budgets, Measure m) {
    if (budgets.isEmpty()) {
      return limits;
    }
    Map<String, Long> out = new java.util.TreeMap<>(limits);
    for (Map.Entry<String, ModelBudget> e : budgets.entrySet()) {
      OptionalLong v = m == Measure.RPM ? e.getValue().rpmLimit() : e.getValue().tpmLimit();
      if (v.isPresent()) {
        out.merge(e.getKey(), v.getAsLong(), Math::min);
      }
    }
    return out;
  }

  private void perModel(
      List<Line> out,
      String owner,
      String id,
      String label,
      Map<String, Long> limits,
      Measure m,
      ModelRef model,
      Targets.Trace trace) {
    for (Map.Entry<String, Long> e : limits.entrySet()) {
      if (targets.matches(e.getKey(), model, trace)) {
        limit(
            out,
            owner,
            id + "|" + e.getKey(),
            label + " for model '" + e.getKey() + "'",
            m,
            OptionalLong.of(e.getValue()));
      }
    }
  }
}

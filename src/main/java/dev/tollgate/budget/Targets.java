package dev.tollgate.budget;

import dev.tollgate.config.SpendCap;
import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.Customer;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.ModelBudget;
import dev.tollgate.governance.Organization;
import dev.tollgate.governance.SharedBudget;
import dev.tollgate.governance.Tag;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.User;
import dev.tollgate.governance.VirtualKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Which budgets apply to a request, and with what limits: one resolution used by admission,
 * settlement and the info endpoints alike, so that they always agree on the counters. Memory only;
 * thread-safe.
 *
 * <p>Team keys and personal keys: a key with a {@code team_id} is a team key, charged to the key,
 * the team, the team member (the key's user within the team) and the organization; the user's
 * personal budget does not apply and their personal counter is not charged. A key without a team is
 * a personal key, charged to the key, its user and the key's organization. Every request is also
 * charged to its customer, each of its tags that exists as a tag entity, and the global counter.
 */
final class Targets {
  private final Function<String, Optional<String>> groupOf;

  /**
   * @param groupOf resolves a model name (group or alias) to its group, so that a per-model budget
   *     written for an alias matches requests for its group
   */
  Targets(Function<String, Optional<String>> groupOf) {
    this.groupOf = groupOf;
  }

  /**
   * One budget that applies.
   *
   * @param misconfigured why the limits cannot be known (a default budget that does not exist);
   *     admission refuses rather than guess
   */
  record Target(
      CounterKey key,
      String label,
      OptionalLong max,
      OptionalLong soft,
      Optional<BudgetDuration> duration,
      Optional<String> budgetId,
      Optional<String> misconfigured,
      String counter) {

    /**
     * @param counter the meter's name for the counter: {@link Enforcer#counterName} of the key
     */
    Target {
      if (!counter.equals(Enforcer.counterName(key))) {
        throw new IllegalArgumentException("counter " + counter + " is not the name of " + key);
      }
    }

    Target(
        CounterKey key,
        String label,
        OptionalLong max,
        OptionalLong soft,
        Optional<BudgetDuration> duration,
        Optional<String> budgetId,
        Optional<String> misconfigured) {
      this(key, label, max, soft, duration, budgetId, misconfigured, Enforcer.counterName(key));
    }
  }

  /**
   * Notes whether a resolution asked the model registry for an alias's group: such a result can
   * change when the registry does, without a new governance snapshot, so it is not reused.
   */
  static final class Trace {
    boolean askedRegistry;
  }

  /** The model a request used, for per-model budgets. */
  record ModelRef(String group, Optional<String> providerModel) {}

  /**
   * Who and what a request involved.
   *
   * @param model empty to list every per-model budget (for info), rather than the matching ones
   */
  record Subject(
      Optional<String> keyId,
      Optional<String> userId,
      Optional<String> teamId,
      Optional<String> organizationId,
      Optional<String> customerId,
      List<String> tags,
      Optional<ModelRef> model) {}

  List<Target> resolve(GovernanceSnapshot s, BudgetSettings settings, Subject sub) {
    return resolve(s, settings, sub, new Trace());
  }

  List<Target> resolve(GovernanceSnapshot s, BudgetSettings settings, Subject sub, Trace trace) {
    List<Target> out = new ArrayList<>();
    if (sub.keyId().isPresent()) {
      String id = sub.keyId().get();
      VirtualKey k = s.keys().get(id);
      Limits limits = k == null ? Limits.NONE : s.limitsOf(k.limits(), k.budgetId());
      String label = k == null ? "key " + id : "key '" + k.displayName() + "'";
      add(out, CounterKey.of(Level.KEY, id), label, limits, k == null ? none() : k.budgetId());
      models(out, Level.KEY_MODEL, id, label, limits.modelMaxBudget(), sub.model(), trace);
    }
    if (sub.userId().isPresent() && sub.teamId().isEmpty()) {
      String id = sub.userId().get();
      User u = s.users().get(id);
      Limits limits = u == null ? Limits.NONE : u.limits();
      String label = "user '" + id + "'";
      add(out, CounterKey.of(Level.USER, id), label, limits, none());
      models(out, Level.USER_MODEL, id, label, limits.modelMaxBudget(), sub.model(), trace);
    }
    if (sub.teamId().isPresent()) {
      String id = sub.teamId().get();
      Team t = s.teams().get(id);
      String label = t == null ? "team '" + id + "'" : named("team", t.alias(), "team_id", id);
      add(out, CounterKey.of(Level.TEAM, id), label, t == null ? Limits.NONE : t.limits(), none());
      if (sub.userId().isPresent()) {
        member(out, s, id, t, sub.userId().get());
      }
    }
    if (sub.organizationId().isPresent()) {
      String id = sub.organizationId().get();
      Organization o = s.organizations().get(id);
      Limits limits = o == null ? Limits.NONE : s.limitsOf(o.limits(), o.budgetId());
      String label =
          o == null ? "organization '" + id + "'" : named("organization", o.alias(), "id", id);
      add(
          out,
          CounterKey.of(Level.ORGANIZATION, id),
          label,
          limits,
          o == null ? none() : o.budgetId());
    }
    if (sub.customerId().isPresent()) {
      customer(out, s, settings, sub.customerId().get(), sub.model(), trace);
    }
    for (String name : sub.tags().size() < 2 ? sub.tags() : new LinkedHashSet<>(sub.tags())) {
      Tag t = s.tags().get(name);
      if (t != null) {
        add(
            out,
            CounterKey.of(Level.TAG, name),
            "tag '" + name + "'",
            s.limitsOf(t.limits(), t.budgetId()),
            t.budgetId());
      }
    }
    out.add(
        new Target(
            CounterKey.of(Level.GLOBAL, CounterKey.GLOBAL_ID),
            "the global proxy budget (litellm_settings.max_budget)",
            settings.maxBudgetNanos(),
            OptionalLong.empty(),
            settings.budgetDuration(),
            none(),
            none()));
    return out;
  }

  /**
   * The router's budgets of an admission: its deployment's {@code max_budget} and its provider's
   * budget in {@code provider_budget_config}, each counted per deployment id or provider name.
   */
  static List<Target> routing(Admission a, BudgetSettings settings) {
    List<Target> out = new ArrayList<>(2);
    if (a.deploymentBudget().isPresent()) {
      SpendCap c = a.deploymentBudget().get();
      out.add(
          new Target(
              CounterKey.of(Level.DEPLOYMENT, a.deploymentId()),
              "deployment '" + a.deploymentId() + "' (" + a.providerModel() + ")",
              OptionalLong.of(c.maxBudgetNanos()),
              OptionalLong.empty(),
              c.duration(),
              none(),
              none()));
    }
    SpendCap p = settings.providerBudgets().get(a.provider());
    if (p != null) {
      out.add(
          new Target(
              CounterKey.of(Level.PROVIDER, a.provider()),
              "provider '" + a.provider() + "' (router_settings.provider_budget_config)",
              OptionalLong.of(p.maxBudgetNanos()),
              OptionalLong.empty(),
              p.duration(),
              none(),
              none()));
    }
    return out;
  }

  private void member(
      List<Target> out, GovernanceSnapshot s, String teamId, @Nullable Team t, String user) {
    CounterKey key = new CounterKey(Level.TEAM_MEMBER, teamId, user);
    String label = "member '" + user + "' of team '" + (t == null ? teamId : t.displayName()) + "'";
    if (t == null) {
      add(out, key, label, Limits.NONE, none());
      return;
    }
    Optional<TeamMember> m = t.member(user);
    Optional<String> budgetId = m.flatMap(TeamMember::budgetId);
    if (budgetId.isPresent()) {
      add(out, key, label, s.limitsOf(Limits.NONE, budgetId), budgetId);
      return;
    }
    // A member's own max_budget_in_team, else the team's team_member_budget, which applies to
    // every member (and to a key's user who is not a listed member) that has none of their own.
    OptionalLong own = m.map(TeamMember::maxBudgetInTeam).orElse(OptionalLong.empty());
    OptionalLong max = own.isPresent() ? own : t.teamMemberBudgetNanos();
    // Its window: the member's own, else the team's for members, else the team's own, as LiteLLM
    // resets members' spend with the team's.
    Optional<BudgetDuration> duration =
        m.flatMap(TeamMember::budgetDuration)
            .or(t::teamMemberBudgetDuration)
            .or(() -> t.limits().duration());
    Limits limits = new Limits(max, OptionalLong.empty(), duration, Map.of());
    add(out, key, label, limits, none());
  }

  private void customer(
      List<Target> out,
      GovernanceSnapshot s,
      BudgetSettings settings,
      String id,
      Optional<ModelRef> model,
      Trace trace) {
    Customer c = s.customers().get(id);
    String label = c == null ? "customer '" + id + "'" : named("customer", c.alias(), "id", id);
    CounterKey key = CounterKey.of(Level.CUSTOMER, id);
    Limits limits;
    Optional<String> budgetId;
    if (c != null && (c.budgetId().isPresent() || !c.limits().isEmpty())) {
      limits = s.limitsOf(c.limits(), c.budgetId());
      budgetId = c.budgetId();
    } else if (settings.maxEndUserBudgetId().isPresent()) {
      budgetId = settings.maxEndUserBudgetId();
      SharedBudget b = s.budgets().get(budgetId.get());
      if (b == null) {
        out.add(
            new Target(
                key,
                label,
                OptionalLong.empty(),
                OptionalLong.empty(),
                Optional.empty(),
                budgetId,
                Optional.of(
                    "litellm_settings.max_end_user_budget_id names budget '"
                        + budgetId.get()
                        + "', which does not exist; create it with /budget/new")));
        return;
      }
      limits = b.limits();
    } else {
      limits =
          new Limits(
              settings.maxEndUserBudgetNanos(), OptionalLong.empty(), Optional.empty(), Map.of());
      budgetId = none();
    }
    add(out, key, label, limits, budgetId);
    models(out, Level.CUSTOMER_MODEL, id, label, limits.modelMaxBudget(), model, trace);
  }

  private void models(
      List<Target> out,
      Level level,
      String id,
      String label,
      Map<String, ModelBudget> budgets,
      Optional<ModelRef> model,
      Trace trace) {
    for (Map.Entry<String, ModelBudget> e : budgets.entrySet()) {
      // An entry with only tpm_limit or rpm_limit is a rate limit (RateTargets), not a budget.
      if (e.getValue().maxBudgetNanos().isPresent()
          && (model.isEmpty() || matches(e.getKey(), model.get(), trace))) {
        out.add(
            new Target(
                new CounterKey(level, id, e.getKey()),
                label + " for model '" + e.getKey() + "'",
                e.getValue().maxBudgetNanos(),
                OptionalLong.empty(),
                e.getValue().duration(),
                none(),
                none()));
      }
    }
  }

  /**
   * Whether a {@code model_max_budget} entry applies: it names the group, an alias of the group, or
   * the provider model that served the request (with or without its provider prefix).
   */
  boolean matches(String name, ModelRef m, Trace trace) {
    if (name.equals(m.group())) {
      return true;
    }
    if (m.providerModel().isPresent()) {
      String pm = m.providerModel().get();
      if (name.equals(pm) || name.equals(pm.substring(pm.indexOf('/') + 1))) {
        return true;
      }
    }
    trace.askedRegistry = true;
    return groupOf.apply(name).map(m.group()::equals).orElse(false);
  }

  private static void add(
      List<Target> out, CounterKey key, String label, Limits l, Optional<String> budgetId) {
    out.add(
        new Target(
            key, label, l.maxBudgetNanos(), l.softBudgetNanos(), l.duration(), budgetId, none()));
  }

  private static String named(String what, Optional<String> alias, String idField, String id) {
    return alias.isPresent() && !alias.get().equals(id)
        ? what + " '" + alias.get() + "' (" + idField + " " + id + ")"
        : what + " '" + id + "'";
  }

  private static Optional<String> none() {
    return Optional.empty();
  }
}

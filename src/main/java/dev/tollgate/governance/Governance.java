package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Keys, users, teams, organizations, customers, tags and shared budgets: the current {@link
 * GovernanceSnapshot}, and the one way to change it.
 *
 * <p>Threading: {@link #snapshot()} and {@link #checkModelAccess} read memory only and are safe on
 * an event loop. {@link #mutate} is serialised (one mutation at a time), checks referential
 * integrity, writes to the {@link GovernanceStore} (which blocks) and only then swaps the new
 * snapshot in: call it from a worker thread. If the check or the store fails, nothing changes.
 * {@link #reload} (for changes other instances made to a shared store) is serialised with mutations
 * and blocks likewise.
 */
public final class Governance {
  private final GovernanceStore store;
  private final Set<String> pinnedBudgetIds;
  private final Runnable committed;
  private final Optional<Function<Entity, String>> auditJson;
  private final Object lock = new Object();
  private final AtomicReference<GovernanceSnapshot> current;

  private Governance(
      GovernanceStore store,
      Set<String> pinnedBudgetIds,
      Runnable committed,
      Optional<Function<Entity, String>> auditJson,
      GovernanceSnapshot initial) {
    this.store = store;
    this.pinnedBudgetIds = Set.copyOf(pinnedBudgetIds);
    this.committed = committed;
    this.auditJson = auditJson;
    this.current = new AtomicReference<>(initial);
  }

  /**
   * Loads every entity from {@code store}. Blocks.
   *
   * @param pinnedBudgetIds shared budgets the config refers to (such as {@code
   *     litellm_settings.max_end_user_budget_id}); they cannot be deleted
   */
  public static Governance load(GovernanceStore store, Set<String> pinnedBudgetIds) {
    return load(store, pinnedBudgetIds, () -> {}, Optional.empty());
  }

  /**
   * As {@link #load(GovernanceStore, Set)}, telling {@code committed} after each mutation that
   * wrote to the store, once the write is committed and outside the mutation lock; it runs on the
   * mutating thread, may block briefly (to notify other instances) and must not throw. With {@code
   * auditJson} present, every mutation made by an {@link Actor} is written to the audit log with
   * the store's change, each entity before and after rendered by {@code auditJson}.
   */
  public static Governance load(
      GovernanceStore store,
      Set<String> pinnedBudgetIds,
      Runnable committed,
      Optional<Function<Entity, String>> auditJson) {
    requireNonNull(store, "store");
    requireNonNull(committed, "committed");
    requireNonNull(auditJson, "auditJson");
    return new Governance(
        store, pinnedBudgetIds, committed, auditJson, GovernanceSnapshot.of(store.loadAll()));
  }

  /** Whether mutations are written to the audit log. */
  public boolean audited() {
    return auditJson.isPresent();
  }

  /** The current snapshot. */
  public GovernanceSnapshot snapshot() {
    return current.get();
  }

  /**
   * What a mutation writes, and what it returns to its caller.
   *
   * @param changes applied in order, as one store transaction
   */
  public record Mutation<R>(List<EntityChange> changes, R result) {
    public Mutation {
      changes = List.copyOf(changes);
    }
  }

  /**
   * Runs {@code change} against the current snapshot and applies the writes it returns: checked,
   * stored, then swapped in, all or nothing. {@code change} may throw a {@link GatewayException} to
   * refuse. Blocks on the store; serialised.
   */
  public <R> R mutate(Function<GovernanceSnapshot, Mutation<R>> change) {
    return mutate(Optional.empty(), change);
  }

  /**
   * As {@link #mutate(Function)}, made by {@code actor}: when the audit log is on, each entity the
   * mutation writes is recorded with its state before and after, in the same transaction.
   */
  public <R> R mutate(Actor actor, Function<GovernanceSnapshot, Mutation<R>> change) {
    return mutate(Optional.of(actor), change);
  }

  private <R> R mutate(Optional<Actor> actor, Function<GovernanceSnapshot, Mutation<R>> change) {
    Mutation<R> m;
    synchronized (lock) {
      GovernanceSnapshot before = current.get();
      m = change.apply(before);
      if (m.changes().isEmpty()) {
        return m.result();
      }
      GovernanceSnapshot after = before.apply(m.changes());
      Integrity.check(after, m.changes(), pinnedBudgetIds);
      store.apply(m.changes(), audit(actor, before, after, m.changes()));
      current.set(after);
    }
    committed.run();
    return m.result();
  }

  private List<AuditEvent> audit(
      Optional<Actor> actor,
      GovernanceSnapshot before,
      GovernanceSnapshot after,
      List<EntityChange> changes) {
    if (actor.isEmpty() || auditJson.isEmpty()) {
      return List.of();
    }
    Function<Entity, String> json = auditJson.get();
    List<AuditEvent> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (EntityChange c : changes) {
      if (!seen.add(c.kind() + "/" + c.id())) {
        continue; // one record per entity: its state before the mutation and after it
      }
      Optional<String> was = before.get(c.kind(), c.id()).map(json);
      Optional<String> is = after.get(c.kind(), c.id()).map(json);
      if (was.equals(is)) {
        continue;
      }
      String action = was.isEmpty() ? "created" : is.isEmpty() ? "deleted" : "updated";
      out.add(new AuditEvent(actor.get(), action, AuditEvent.table(c.kind()), c.id(), was, is));
    }
    return out;
  }

  /**
   * Reads every entity from the store again and swaps them in at once, so that changes another
   * instance made to a shared store apply here. Blocks on the store; serialised with {@link
   * #mutate}. If the store fails, the current snapshot stays and the exception propagates.
   */
  public void reload() {
    synchronized (lock) {
      List<Entity> all = store.loadAll();
      current.set(current.get().reloaded(all));
    }
  }

  /**
   * Refuses a request for a model the caller's key, team or (for personal keys) user may not use. A
   * list is satisfied by the requested name or the model group it resolved to; an empty list,
   * {@code all-proxy-models} or {@code *} allows everything, and a key's {@code all-team-models}
   * means the team's list. Memory only.
   *
   * @throws GatewayException 401 {@code key_model_access_denied} (or {@code
   *     team_model_access_denied}, {@code user_model_access_denied}) naming the model and what is
   *     allowed, as LiteLLM answers
   */
  public void checkModelAccess(Principal principal, String requestedModel, String modelGroup) {
    if (principal.keyId().isEmpty()) {
      return;
    }
    GovernanceSnapshot s = current.get();
    VirtualKey key = s.keys().get(principal.keyId().get());
    if (key == null) {
      throw GatewayException.unauthorized("this API key has been deleted");
    }
    Optional<Team> team = key.teamId().map(s.teams()::get);
    List<String> keyModels = key.models();
    if (keyModels.contains("all-team-models")) {
      keyModels = team.map(Team::models).orElse(List.of());
    }
    deny(keyModels, requestedModel, modelGroup, "key", "key '" + key.displayName() + "'");
    if (team.isPresent()) {
      Team t = team.get();
      deny(t.models(), requestedModel, modelGroup, "team", "team '" + t.displayName() + "'");
    } else if (key.userId().isPresent()) {
      User u = s.users().get(key.userId().get());
      if (u != null) {
        deny(u.models(), requestedModel, modelGroup, "user", "user '" + u.id() + "'");
      }
    }
  }

  /** Whether an entry ending in {@code *} ({@code openai/*}) covers {@code requested}. */
  private static boolean wildcardAllows(List<String> allowed, String requested) {
    for (String a : allowed) {
      if (a.endsWith("*") && requested.startsWith(a.substring(0, a.length() - 1))) {
        return true;
      }
    }
    return false;
  }

  private static void deny(
      List<String> allowed, String requested, String group, String level, String who) {
    if (allowed.isEmpty()
        || allowed.contains("all-proxy-models")
        || allowed.contains("*")
        || allowed.contains(requested)
        || allowed.contains(group)
        || wildcardAllows(allowed, requested)) {
      return;
    }
    throw GatewayException.of(
        401,
        level + "_model_access_denied",
        "model",
        "model_access_denied",
        who + " is not allowed to use model '" + requested + "'; it may use " + allowed);
  }
}

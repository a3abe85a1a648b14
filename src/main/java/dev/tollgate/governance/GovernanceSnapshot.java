package dev.tollgate.governance;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every governance entity at one instant. Immutable: mutations build a new snapshot with {@link
 * #apply(List)} and {@link Governance} swaps it in, so a request reads one consistent view. Maps
 * keep insertion order, so lists render in creation order.
 *
 * @param keys virtual keys by id
 * @param keyIdsByHash key ids by the SHA-256 hex of the current secret, for authentication
 * @param retiredKeyHashes key ids by the hashes of secrets replaced by regeneration; never used to
 *     authenticate, only to charge requests that started before the regeneration to the right key.
 *     Kept in memory only: after a restart no such request is in flight.
 */
public record GovernanceSnapshot(
    Map<String, VirtualKey> keys,
    Map<String, String> keyIdsByHash,
    Map<String, String> retiredKeyHashes,
    Map<String, User> users,
    Map<String, Team> teams,
    Map<String, Organization> organizations,
    Map<String, Customer> customers,
    Map<String, Tag> tags,
    Map<String, SharedBudget> budgets) {

  /** No entities at all. */
  public static final GovernanceSnapshot EMPTY =
      new GovernanceSnapshot(
          Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

  public GovernanceSnapshot {
    keys = frozen(keys);
    keyIdsByHash = Map.copyOf(keyIdsByHash);
    retiredKeyHashes = Map.copyOf(retiredKeyHashes);
    users = frozen(users);
    teams = frozen(teams);
    organizations = frozen(organizations);
    customers = frozen(customers);
    tags = frozen(tags);
    budgets = frozen(budgets);
  }

  /** A snapshot holding {@code entities}, as loaded from a store. */
  public static GovernanceSnapshot of(List<Entity> entities) {
    return EMPTY.apply(entities.stream().map(EntityChange::upsert).toList());
  }

  /**
   * A snapshot holding {@code entities}, as read from the store again, that remembers the secrets
   * this one knew and the new one no longer has (regenerated or deleted keys) as retired, so spend
   * of requests still in flight is charged to the right key.
   */
  public GovernanceSnapshot reloaded(List<Entity> entities) {
    GovernanceSnapshot fresh = of(entities);
    Map<String, String> retired = new HashMap<>(retiredKeyHashes);
    keys.values().forEach(k -> retired.put(k.tokenHash(), k.id()));
    retired.keySet().removeAll(fresh.keyIdsByHash.keySet());
    return new GovernanceSnapshot(
        fresh.keys,
        fresh.keyIdsByHash,
        retired,
        fresh.users,
        fresh.teams,
        fresh.organizations,
        fresh.customers,
        fresh.tags,
        fresh.budgets);
  }

  /** The key whose current secret hashes to {@code tokenHash}. */
  public Optional<VirtualKey> keyByHash(String tokenHash) {
    String id = keyIdsByHash.get(tokenHash);
    return id == null ? Optional.empty() : Optional.ofNullable(keys.get(id));
  }

  /**
   * The id of the key a spend record with {@code tokenHash} belongs to: the key's current secret or
   * one it had before regeneration.
   */
  public Optional<String> keyIdForSpend(String tokenHash) {
    String id = keyIdsByHash.get(tokenHash);
    return Optional.ofNullable(id != null ? id : retiredKeyHashes.get(tokenHash));
  }

  /** The limits that apply to an entity: the shared budget's when it names one, else its own. */
  public Limits limitsOf(Limits own, Optional<String> budgetId) {
    if (budgetId.isPresent()) {
      SharedBudget b = budgets.get(budgetId.get());
      if (b != null) {
        return b.limits().withRate(own.rate().or(b.limits().rate()));
      }
    }
    return own;
  }

  /** The entity of {@code kind} with {@code id}. */
  public Optional<Entity> get(EntityKind kind, String id) {
    return Optional.ofNullable(map(kind).get(id));
  }

  /** This snapshot with {@code changes} applied in order. */
  public GovernanceSnapshot apply(List<EntityChange> changes) {
    Map<EntityKind, Map<String, Entity>> maps = new HashMap<>();
    boolean keysChange = changes.stream().anyMatch(c -> c.kind() == EntityKind.KEY);
    Map<String, String> hashes = keysChange ? new HashMap<>(keyIdsByHash) : keyIdsByHash;
    Map<String, String> retired = keysChange ? new HashMap<>(retiredKeyHashes) : retiredKeyHashes;
    for (EntityChange c : changes) {
      Map<String, Entity> m =
          maps.computeIfAbsent(c.kind(), k -> new LinkedHashMap<String, Entity>(map(k)));
      Entity old = m.get(c.id());
      if (old instanceof VirtualKey k) {
        hashes.remove(k.tokenHash());
        retired.put(k.tokenHash(), k.id());
      }
      switch (c) {
        case EntityChange.Upsert u -> {
          m.put(u.id(), u.entity());
          if (u.entity() instanceof VirtualKey k) {
            hashes.put(k.tokenHash(), k.id());
            retired.remove(k.tokenHash());
          }
        }
        case EntityChange.Delete d -> m.remove(d.id());
      }
    }
    return new GovernanceSnapshot(
        typed(maps, EntityKind.KEY, keys),
        hashes,
        retired,
        typed(maps, EntityKind.USER, users),
        typed(maps, EntityKind.TEAM, teams),
        typed(maps, EntityKind.ORGANIZATION, organizations),
        typed(maps, EntityKind.CUSTOMER, customers),
        typed(maps, EntityKind.TAG, tags),
        typed(maps, EntityKind.BUDGET, budgets));
  }

  private Map<String, ? extends Entity> map(EntityKind kind) {
    return switch (kind) {
      case KEY -> keys;
      case USER -> users;
      case TEAM -> teams;
      case ORGANIZATION -> organizations;
      case CUSTOMER -> customers;
      case TAG -> tags;
      case BUDGET -> budgets;
    };
  }

  @SuppressWarnings("unchecked") // each kind's map holds only entities of that kind's record type
  private static <T extends Entity> Map<String, T> typed(
      Map<EntityKind, Map<String, Entity>> changed, EntityKind kind, Map<String, T> current) {
    Map<String, Entity> m = changed.get(kind);
    return m == null ? current : (Map<String, T>) (Map<String, ?>) m;
  }

  private static <T> Map<String, T> frozen(Map<String, T> m) {
    if (m.isEmpty()) {
      return Map.of();
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }
}

package dev.tollgate.governance;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Minimal entities for governance tests. */
final class Entities {
  static final Instant T0 = Instant.parse("2025-03-12T10:00:00Z");

  private Entities() {}

  static VirtualKey key(String id, String secret) {
    return new VirtualKey(
        id,
        KeySecrets.hash(secret),
        KeySecrets.mask(secret),
        Optional.of("alias-" + id),
        List.of(),
        Limits.NONE,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        "{}",
        List.of(),
        Optional.empty(),
        false,
        T0,
        T0);
  }

  static VirtualKey with(
      VirtualKey k,
      Optional<String> user,
      Optional<String> team,
      List<String> models,
      Optional<Instant> expires,
      boolean blocked) {
    return new VirtualKey(
        k.id(),
        k.tokenHash(),
        k.keyName(),
        k.keyAlias(),
        models,
        k.limits(),
        k.budgetId(),
        user,
        team,
        k.organizationId(),
        k.metadata(),
        k.tags(),
        expires,
        blocked,
        k.createdAt(),
        k.updatedAt());
  }

  static User user(String id, UserRole role) {
    return new User(
        id, Optional.empty(), Optional.empty(), role, List.of(), Limits.NONE, "{}", T0, T0);
  }

  static Team team(String id, List<String> models, boolean blocked, Optional<String> org) {
    return new Team(
        id,
        Optional.empty(),
        org,
        models,
        Limits.NONE,
        OptionalLong.empty(),
        Optional.empty(),
        List.of(),
        "{}",
        blocked,
        T0,
        T0);
  }

  static Organization org(String id) {
    return new Organization(
        id, Optional.empty(), List.of(), Limits.NONE, Optional.empty(), "{}", T0, T0);
  }

  static SharedBudget budget(String id) {
    return new SharedBudget(id, Limits.NONE, T0, T0);
  }

  static void put(Governance g, Entity... es) {
    g.mutate(
        s ->
            new Governance.Mutation<>(
                java.util.Arrays.stream(es)
                    .map(e -> (EntityChange) new EntityChange.Upsert(e))
                    .toList(),
                true));
  }
}

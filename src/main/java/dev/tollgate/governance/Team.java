package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A team. Keys with its {@code team_id} are team keys: the team's budget and the member's budget
 * apply to them, the owner's personal budget does not. Immutable.
 *
 * @param teamMemberBudgetNanos the default max budget of every member without their own ({@code
 *     team_member_budget}); it applies to existing members as well as new ones
 * @param teamMemberBudgetDuration the window of members' budgets ({@code
 *     team_member_budget_duration})
 * @param teamMemberRpmLimit each member's requests per minute in the team ({@code
 *     team_member_rpm_limit})
 * @param teamMemberTpmLimit each member's tokens per minute in the team ({@code
 *     team_member_tpm_limit})
 * @param models models the team's keys may use; empty allows every model
 * @param metadata a JSON object, as text
 * @param blocked when set, every key of the team is refused
 * @param memberPermissions {@code team_member_permissions}: the key routes (such as {@code
 *     /key/generate}) the team's ordinary members may call for the team's keys; empty when not set,
 *     which means LiteLLM's default
 */
public record Team(
    String id,
    Optional<String> alias,
    Optional<String> organizationId,
    List<String> models,
    Limits limits,
    OptionalLong teamMemberBudgetNanos,
    Optional<BudgetDuration> teamMemberBudgetDuration,
    OptionalLong teamMemberRpmLimit,
    OptionalLong teamMemberTpmLimit,
    List<TeamMember> members,
    String metadata,
    boolean blocked,
    Instant createdAt,
    Instant updatedAt,
    Optional<List<String>> memberPermissions)
    implements Entity {

  public Team {
    requireNonNull(id, "id");
    models = List.copyOf(models);
    members = List.copyOf(members);
    memberPermissions = memberPermissions.map(List::copyOf);
    if (teamMemberBudgetNanos.isPresent() && teamMemberBudgetNanos.getAsLong() < 0) {
      throw new IllegalArgumentException("team_member_budget must not be negative");
    }
    if (teamMemberRpmLimit.isPresent() && teamMemberRpmLimit.getAsLong() < 0) {
      throw new IllegalArgumentException("team_member_rpm_limit must not be negative");
    }
    if (teamMemberTpmLimit.isPresent() && teamMemberTpmLimit.getAsLong() < 0) {
      throw new IllegalArgumentException("team_member_tpm_limit must not be negative");
    }
  }

  /** A team whose members have LiteLLM's default permissions. */
  public Team(
      String id,
      Optional<String> alias,
      Optional<String> organizationId,
      List<String> models,
      Limits limits,
      OptionalLong teamMemberBudgetNanos,
      Optional<BudgetDuration> teamMemberBudgetDuration,
      OptionalLong teamMemberRpmLimit,
      OptionalLong teamMemberTpmLimit,
      List<TeamMember> members,
      String metadata,
      boolean blocked,
      Instant createdAt,
      Instant updatedAt) {
    this(
        id,
        alias,
        organizationId,
        models,
        limits,
        teamMemberBudgetNanos,
        teamMemberBudgetDuration,
        teamMemberRpmLimit,
        teamMemberTpmLimit,
        members,
        metadata,
        blocked,
        createdAt,
        updatedAt,
        Optional.empty());
  }

  /** A team without per-member rate limits. */
  public Team(
      String id,
      Optional<String> alias,
      Optional<String> organizationId,
      List<String> models,
      Limits limits,
      OptionalLong teamMemberBudgetNanos,
      Optional<BudgetDuration> teamMemberBudgetDuration,
      List<TeamMember> members,
      String metadata,
      boolean blocked,
      Instant createdAt,
      Instant updatedAt) {
    this(
        id,
        alias,
        organizationId,
        models,
        limits,
        teamMemberBudgetNanos,
        teamMemberBudgetDuration,
        OptionalLong.empty(),
        OptionalLong.empty(),
        members,
        metadata,
        blocked,
        createdAt,
        updatedAt);
  }

  @Override
  public EntityKind kind() {
    return EntityKind.TEAM;
  }

  public Optional<TeamMember> member(String userId) {
    for (TeamMember m : members) {
      if (m.userId().equals(userId)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /** The alias, or the id; for messages. */
  public String displayName() {
    return alias.orElse(id);
  }

  public Team withMembers(List<TeamMember> newMembers, Instant now) {
    return new Team(
        id,
        alias,
        organizationId,
        models,
        limits,
        teamMemberBudgetNanos,
        teamMemberBudgetDuration,
        teamMemberRpmLimit,
        teamMemberTpmLimit,
        newMembers,
        metadata,
        blocked,
        createdAt,
        now,
        memberPermissions);
  }

  /** This team with {@code team_member_permissions} set to {@code routes}. */
  public Team withMemberPermissions(List<String> routes, Instant now) {
    return new Team(
        id,
        alias,
        organizationId,
        models,
        limits,
        teamMemberBudgetNanos,
        teamMemberBudgetDuration,
        teamMemberRpmLimit,
        teamMemberTpmLimit,
        members,
        metadata,
        blocked,
        createdAt,
        now,
        Optional.of(routes));
  }
}

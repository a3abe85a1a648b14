package dev.tollgate.admin;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which body fields each management request takes: those Tollgate acts on, and those LiteLLM takes
 * there but Tollgate does not act on. A field of the second kind is accepted and named in the
 * response's {@code warnings}; a field of neither kind (a typo) is a 400 naming it.
 *
 * <p>The LiteLLM lists are the fields of LiteLLM's request models in {@code
 * litellm/proxy/_types.py} ({@code GenerateKeyRequest}, {@code UpdateKeyRequest}, {@code
 * RegenerateKeyRequest}, {@code NewUserRequest}, {@code UpdateUserRequest}, {@code NewTeamRequest},
 * {@code UpdateTeamRequest}, {@code NewOrganizationRequest}, {@code NewCustomerRequest}, {@code
 * UpdateCustomerRequest}, {@code BudgetNewRequest}, {@code TagNewRequest}, {@code
 * TeamMemberAddRequest}, {@code TeamMemberUpdateRequest}, {@code TeamMemberDeleteRequest}).
 * Immutable.
 *
 * @param accepted the fields Tollgate acts on
 * @param ignored the LiteLLM fields accepted with a warning: LiteLLM's fields minus {@code
 *     accepted}
 */
record Fields(Set<String> accepted, Set<String> ignored) {
  Fields {
    accepted = Set.copyOf(accepted);
    ignored = Set.copyOf(ignored);
  }

  /** Fields for a request whose LiteLLM model has {@code litellm}; the rest of them ignored. */
  static Fields of(Set<String> accepted, Set<String> litellm) {
    Set<String> ignored = new HashSet<>(litellm);
    ignored.removeAll(accepted);
    return new Fields(accepted, ignored);
  }

  /** A request LiteLLM takes no other fields in: every field outside {@code accepted} is a 400. */
  static Fields strict(Set<String> accepted) {
    return new Fields(accepted, Set.of());
  }

  // --- LiteLLM's request models ------------------------------------------------------------------

  /** {@code GenerateRequestBase}: shared by key and user requests. */
  private static final List<String> GENERATE_BASE =
      List.of(
          "key_alias",
          "duration",
          "models",
          "spend",
          "max_budget",
          "user_id",
          "team_id",
          "agent_id",
          "max_parallel_requests",
          "metadata",
          "tpm_limit",
          "rpm_limit",
          "budget_duration",
          "allowed_cache_controls",
          "config",
          "permissions",
          "model_max_budget",
          "model_rpm_limit",
          "model_tpm_limit",
          "guardrails",
          "policies",
          "prompts",
          "blocked",
          "aliases",
          "object_permission");

  /** {@code KeyRequestBase}. */
  private static final List<String> KEY_BASE =
      concat(
          GENERATE_BASE,
          "key",
          "budget_id",
          "tags",
          "enforced_params",
          "allowed_routes",
          "allowed_passthrough_routes",
          "allowed_vector_store_indexes",
          "rpm_limit_type",
          "tpm_limit_type",
          "router_settings",
          "access_group_ids");

  /** {@code GenerateKeyRequest}. */
  static final Set<String> LITELLM_KEY_GENERATE =
      Set.copyOf(
          concat(
              KEY_BASE,
              "soft_budget",
              "send_invite_email",
              "key_type",
              "auto_rotate",
              "rotation_interval",
              "organization_id",
              "project_id"));

  /** {@code UpdateKeyRequest}. */
  static final Set<String> LITELLM_KEY_UPDATE =
      Set.copyOf(
          concat(
              KEY_BASE,
              "temp_budget_increase",
              "temp_budget_expiry",
              "auto_rotate",
              "rotation_interval",
              "organization_id"));

  /** {@code RegenerateKeyRequest}. */
  static final Set<String> LITELLM_KEY_REGENERATE =
      Set.copyOf(
          concat(List.copyOf(LITELLM_KEY_GENERATE), "new_key", "new_master_key", "grace_period"));

  /** {@code NewUserRequest}. */
  static final Set<String> LITELLM_USER_NEW =
      Set.copyOf(
          concat(
              GENERATE_BASE,
              "user_email",
              "user_alias",
              "user_role",
              "teams",
              "auto_create_key",
              "send_invite_email",
              "sso_user_id",
              "organizations",
              "password"));

  /** {@code UpdateUserRequest}. */
  static final Set<String> LITELLM_USER_UPDATE =
      Set.copyOf(concat(GENERATE_BASE, "password", "user_alias", "user_role", "user_email"));

  /** {@code TeamBase}. */
  private static final List<String> TEAM_BASE =
      List.of(
          "team_alias",
          "team_id",
          "organization_id",
          "admins",
          "members",
          "members_with_roles",
          "team_member_permissions",
          "metadata",
          "tpm_limit",
          "rpm_limit",
          "max_budget",
          "soft_budget",
          "budget_duration",
          "models",
          "blocked",
          "router_settings",
          "access_group_ids");

  /** What {@code NewTeamRequest} and {@code UpdateTeamRequest} add to the team fields. */
  private static final List<String> TEAM_EXTRA =
      List.of(
          "model_aliases",
          "tags",
          "guardrails",
          "policies",
          "prompts",
          "object_permission",
          "allowed_passthrough_routes",
          "secret_manager_settings",
          "model_rpm_limit",
          "model_tpm_limit",
          "team_member_budget",
          "team_member_rpm_limit",
          "team_member_tpm_limit",
          "team_member_key_duration",
          "team_member_budget_duration",
          "allowed_vector_store_indexes",
          "enforced_batch_output_expires_after",
          "enforced_file_expires_after");

  /** {@code NewTeamRequest}. */
  static final Set<String> LITELLM_TEAM_NEW =
      Set.copyOf(
          concat(
              concat(TEAM_BASE, TEAM_EXTRA.toArray(String[]::new)),
              "rpm_limit_type",
              "tpm_limit_type"));

  /** {@code UpdateTeamRequest}: the team fields without the member lists. */
  static final Set<String> LITELLM_TEAM_UPDATE =
      Set.copyOf(
          concat(
              TEAM_EXTRA,
              "team_id",
              "team_alias",
              "organization_id",
              "metadata",
              "tpm_limit",
              "rpm_limit",
              "max_budget",
              "soft_budget",
              "models",
              "blocked",
              "budget_duration",
              "router_settings",
              "access_group_ids"));

  /** {@code LiteLLM_BudgetTable}. */
  private static final List<String> BUDGET_TABLE =
      List.of(
          "budget_id",
          "soft_budget",
          "max_budget",
          "max_parallel_requests",
          "tpm_limit",
          "rpm_limit",
          "model_max_budget",
          "budget_duration");

  /** {@code NewOrganizationRequest}; LiteLLM's update takes the same fields. */
  static final Set<String> LITELLM_ORGANIZATION =
      Set.copyOf(
          concat(
              BUDGET_TABLE,
              "organization_id",
              "organization_alias",
              "models",
              "metadata",
              "model_rpm_limit",
              "model_tpm_limit",
              "object_permission"));

  /** {@code BudgetNewRequest}. */
  static final Set<String> LITELLM_BUDGET = Set.copyOf(concat(BUDGET_TABLE, "budget_reset_at"));

  /** {@code NewCustomerRequest}. */
  static final Set<String> LITELLM_CUSTOMER_NEW =
      Set.copyOf(
          concat(
              List.copyOf(LITELLM_BUDGET),
              "user_id",
              "alias",
              "blocked",
              "spend",
              "allowed_model_region",
              "default_model",
              "object_permission"));

  /** {@code UpdateCustomerRequest}. */
  static final Set<String> LITELLM_CUSTOMER_UPDATE =
      Set.of(
          "user_id",
          "alias",
          "blocked",
          "max_budget",
          "budget_id",
          "allowed_model_region",
          "default_model",
          "object_permission");

  /** {@code TagNewRequest} and {@code TagUpdateRequest}: a tag's budget table and its models. */
  static final Set<String> LITELLM_TAG =
      Set.of(
          "name",
          "description",
          "models",
          "model_info",
          "budget_id",
          "max_budget",
          "soft_budget",
          "max_parallel_requests",
          "tpm_limit",
          "rpm_limit",
          "model_max_budget",
          "budget_duration");

  /** {@code TeamMemberAddRequest}. */
  static final Set<String> LITELLM_TEAM_MEMBER_ADD =
      Set.of("team_id", "member", "max_budget_in_team");

  /** {@code TeamMemberDeleteRequest}. */
  static final Set<String> LITELLM_TEAM_MEMBER_DELETE = Set.of("team_id", "user_id", "user_email");

  /** {@code TeamMemberUpdateRequest}. */
  static final Set<String> LITELLM_TEAM_MEMBER_UPDATE =
      Set.of(
          "team_id",
          "user_id",
          "user_email",
          "role",
          "max_budget_in_team",
          "tpm_limit",
          "rpm_limit");

  private static List<String> concat(List<String> base, String... more) {
    List<String> out = new java.util.ArrayList<>(base);
    out.addAll(List.of(more));
    return List.copyOf(new java.util.LinkedHashSet<>(out));
  }
}

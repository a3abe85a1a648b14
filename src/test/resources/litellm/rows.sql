-- A small LiteLLM deployment, in the shapes LiteLLM's proxy writes: keys stored by the SHA-256 hex
-- of the key, dollar amounts as floats, budget windows as budget_duration and budget_reset_at, key
-- tags in metadata.tags, team members in members_with_roles. Times are UTC. Stored models are
-- inserted by the test, which encrypts their litellm_params as LiteLLM does.

INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, budget_duration, budget_reset_at, created_by, updated_by)
VALUES ('budget-org', 100.0, '1mo', (now() AT TIME ZONE 'UTC') + interval '20 days', 'admin', 'admin');
INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, rpm_limit, created_by, updated_by)
VALUES ('budget-member', 2.5, 5, 'admin', 'admin');
INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, soft_budget, created_by, updated_by)
VALUES ('budget-enduser', 1.0, 0.8, 'admin', 'admin');

INSERT INTO "LiteLLM_OrganizationTable" (organization_id, organization_alias, budget_id, metadata, models, spend, created_by, updated_by, created_at, updated_at)
VALUES ('org-acme', 'Acme', 'budget-org', '{"region": "eu"}', '{gpt-4o-mini}', 12.5, 'admin', 'admin', '2025-01-10 09:00:00', '2025-01-10 09:00:00');

INSERT INTO "LiteLLM_UserTable" (user_id, user_alias, user_email, user_role, max_budget, spend, models, metadata, organization_id, created_at, updated_at)
VALUES ('alice', 'Alice', 'alice@example.com', 'internal_user', 50.0, 3.0, '{}', '{"department": "research"}', 'org-acme', '2025-01-11 09:00:00', '2025-01-12 09:00:00');
INSERT INTO "LiteLLM_UserTable" (user_id, user_email, user_role, spend, models)
VALUES ('bob', 'bob@example.com', 'internal_user_viewer', 5.0, '{}');
INSERT INTO "LiteLLM_UserTable" (user_id, user_email, user_role, spend, models, rpm_limit, tpm_limit, max_parallel_requests)
VALUES ('carol', 'carol@example.com', 'proxy_admin', 0.0, '{}', 30, 20000, 3);

INSERT INTO "LiteLLM_OrganizationMembership" (user_id, organization_id, user_role, spend)
VALUES ('alice', 'org-acme', 'org_admin', 0.0);

INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, organization_id, admins, members, members_with_roles, metadata, max_budget, spend, models, rpm_limit, tpm_limit, budget_duration, budget_reset_at, created_at, updated_at)
VALUES ('team-research', 'Research', 'org-acme', '{}', '{}',
        '[{"role": "admin", "user_id": "carol", "user_email": "carol@example.com"}, {"role": "user", "user_id": "alice", "user_email": null}]',
        '{"cost_center": "r&d"}', 20.0, 7.25, '{gpt-4o-mini}', 100, 100000, '30d',
        (now() AT TIME ZONE 'UTC') + interval '10 days', '2025-01-12 10:00:00', '2025-01-13 10:00:00');

INSERT INTO "LiteLLM_TeamMembership" (user_id, team_id, spend, budget_id) VALUES ('alice', 'team-research', 1.5, 'budget-member');
INSERT INTO "LiteLLM_TeamMembership" (user_id, team_id, spend) VALUES ('carol', 'team-research', 0.0);

-- sk-litellm-alice-0001: a personal key with its own limits, part spent.
INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, spend, models, user_id, metadata, max_budget, rpm_limit, tpm_limit, max_parallel_requests, created_at, updated_at)
VALUES ('85d8864f9b38db2ab0635f2a140eb170fed053f57ce01683c3d63aa580d64444', 'sk-...0001', 'alice-laptop', 4.25,
        '{gpt-4o-mini,litellm-db-model}', 'alice', '{"tags": ["prod"], "owner": "alice"}', 10.0, 60, 50000, 4,
        '2025-01-15 10:00:00', '2025-01-15 10:00:00');
-- sk-litellm-bob-0002: its spend has reached its max_budget.
INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, spend, models, user_id, max_budget, created_at, updated_at)
VALUES ('21bac8501eeec9bfbc1fe48bf76a3676250e01c908d50ec52a9ce88ee4348dcf', 'sk-...0002', 'bob-ci', 5.0, '{}', 'bob', 5.0,
        '2025-01-16 10:00:00', '2025-01-16 10:00:00');
-- sk-litellm-team-0003: a team key with a daily budget, in a window that ends in 12 hours.
INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, spend, models, user_id, team_id, max_budget, budget_duration, budget_reset_at, created_at, updated_at)
VALUES ('1bd780faaac2640535de3bd92d68a6dee203b1c2787ac46f7138f5959b8082aa', 'sk-...0003', 'research-shared', 1.0, '{}', 'carol', 'team-research', 3.0,
        '1d', (now() AT TIME ZONE 'UTC') + interval '12 hours', '2025-01-17 10:00:00', '2025-01-17 10:00:00');
-- sk-litellm-old-0004: expired and blocked; its weekly window ended long ago.
INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, spend, models, user_id, expires, blocked, max_budget, budget_duration, budget_reset_at, created_at, updated_at)
VALUES ('613e9ddc3a83153a20177c5333618f0fd6f6c19375cd70dc1eb1f0b38727fd6c', 'sk-...0004', 'old-expired', 2.0, '{}', 'dave', '2025-02-01 00:00:00', true, 5.0,
        '7d', '2025-02-03 00:00:00', '2025-01-18 10:00:00', '2025-01-18 10:00:00');

INSERT INTO "LiteLLM_EndUserTable" (user_id, alias, spend, budget_id, blocked) VALUES ('customer-42', 'Customer 42', 0.75, 'budget-enduser', false);
INSERT INTO "LiteLLM_EndUserTable" (user_id, spend, blocked) VALUES ('customer-banned', 0.0, true);

INSERT INTO "LiteLLM_TagTable" (tag_name, description, models, spend, created_by, created_at, updated_at)
VALUES ('prod', 'Production traffic', '{}', 3.5, 'admin', '2025-01-19 10:00:00', '2025-01-19 10:00:00');

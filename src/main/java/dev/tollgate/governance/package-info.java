/**
 * Who is calling and what they belong to: virtual keys, users, teams, organizations, customers,
 * tags and shared budgets, held as one immutable snapshot ({@link
 * dev.tollgate.governance.Governance}), persisted behind {@link
 * dev.tollgate.governance.GovernanceStore}, and authentication of the master key and virtual keys
 * ({@link dev.tollgate.governance.KeyAuthenticator}).
 */
@NullMarked
package dev.tollgate.governance;

import org.jspecify.annotations.NullMarked;

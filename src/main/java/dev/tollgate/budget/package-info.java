/** Budgets and the spend ledger: what every request cost, recorded exactly once. */
@NullMarked
package dev.tollgate.budget;

import org.jspecify.annotations.NullMarked;

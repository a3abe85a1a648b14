/**
 * Budgets and the spend ledger: the spend record every request ends in, spend counters with
 * calendar-aligned windows ({@link dev.tollgate.budget.Windows}), admission and settlement against
 * every budget level ({@link dev.tollgate.budget.Enforcer}), and budget alerts.
 */
@NullMarked
package dev.tollgate.budget;

import org.jspecify.annotations.NullMarked;

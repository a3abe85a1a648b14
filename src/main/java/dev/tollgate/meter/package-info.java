/** Admission counters: spend budgets, rate-limit windows and in-flight gauges, local or shared. */
@NullMarked
package dev.tollgate.meter;

import org.jspecify.annotations.NullMarked;

/**
 * Prometheus metrics under LiteLLM's names ({@code litellm_*}) and Tollgate's own ({@code
 * tollgate_*}), exposed at {@code GET /metrics}.
 */
@NullMarked
package dev.tollgate.metrics;

import org.jspecify.annotations.NullMarked;

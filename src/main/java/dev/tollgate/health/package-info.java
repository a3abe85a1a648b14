/**
 * LiteLLM's {@code GET /health}: a minimal request to every deployment, through its provider's own
 * adapter, and the background checks that run them periodically and tell the router which
 * deployments failed. Their spend is logged under a system key and charged to no budget.
 */
@NullMarked
package dev.tollgate.health;

import org.jspecify.annotations.NullMarked;

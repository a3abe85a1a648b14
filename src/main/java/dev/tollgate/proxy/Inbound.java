package dev.tollgate.proxy;

import dev.tollgate.dialect.Dialect;
import org.jspecify.annotations.Nullable;

/**
 * What a request's path says: the client API it speaks, and the model group when the path names it,
 * as Azure's {@code /openai/deployments/{deployment}/...} does (the body's {@code model}, if any,
 * is then replaced by it).
 *
 * @param provider for a provider's own route ({@code /gemini/}, {@code /vertex_ai/}, {@code
 *     /bedrock/}), the provider whose deployments it reaches: the path names the provider's model,
 *     which resolves to the group of such a deployment when no group has that name
 */
record Inbound(Dialect dialect, @Nullable String group, @Nullable String provider) {
  Inbound(Dialect dialect, @Nullable String group) {
    this(dialect, group, null);
  }
}

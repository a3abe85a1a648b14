package dev.tollgate.proxy;

import dev.tollgate.dialect.Dialect;
import org.jspecify.annotations.Nullable;

/**
 * What a request's path says: the client API it speaks, and the model group when the path names it,
 * as Azure's {@code /openai/deployments/{deployment}/...} does (the body's {@code model}, if any,
 * is then replaced by it).
 */
record Inbound(Dialect dialect, @Nullable String group) {}

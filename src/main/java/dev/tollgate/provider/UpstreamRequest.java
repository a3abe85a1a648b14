package dev.tollgate.provider;

import dev.tollgate.config.LitellmParams;

/**
 * One call to a provider: the parsed client request, the deployment's params, and the cancellation
 * fired when the client disconnects.
 *
 * @param timeoutMillis how long the whole call may take (non-streaming), or the longest silence
 *     between stream events (streaming)
 */
public record UpstreamRequest(
    ParsedRequest request,
    String deploymentId,
    LitellmParams params,
    long timeoutMillis,
    Cancellation cancellation) {}

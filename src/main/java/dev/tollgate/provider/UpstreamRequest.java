package dev.tollgate.provider;

import dev.tollgate.config.LitellmParams;
import java.util.OptionalLong;

/**
 * One call to a provider: the parsed client request, the deployment's params, and the cancellation
 * fired when the client disconnects.
 *
 * @param timeoutMillis how long the whole call may take (non-streaming), or the longest silence
 *     between stream events (streaming)
 * @param maxOutputTokens the deployment's largest answer ({@code model_info} or the catalog): what
 *     a format that requires a bound, such as Anthropic's {@code max_tokens}, sends when the client
 *     set none; admission reserves with the same figure
 */
public record UpstreamRequest(
    ParsedRequest request,
    String deploymentId,
    LitellmParams params,
    long timeoutMillis,
    Cancellation cancellation,
    OptionalLong maxOutputTokens) {}

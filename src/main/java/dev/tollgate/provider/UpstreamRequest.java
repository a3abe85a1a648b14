package dev.tollgate.provider;

import dev.tollgate.config.LitellmParams;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One call to a provider: the parsed client request, the deployment's params, and the cancellation
 * fired when the client disconnects.
 *
 * @param timeoutMillis how long the whole call may take (non-streaming), or the longest silence
 *     between stream events (streaming)
 * @param maxOutputTokens the deployment's largest answer ({@code model_info} or the catalog): what
 *     a format that requires a bound, such as Anthropic's {@code max_tokens}, sends when the client
 *     set none; admission reserves with the same figure
 * @param traceparent the W3C {@code traceparent} naming this attempt's span, sent upstream; null
 *     when tracing is off
 * @param tracestate the W3C {@code tracestate} the client sent, passed on with {@code traceparent}
 *     as the Trace Context specification asks; null when there is none or tracing is off
 */
public record UpstreamRequest(
    ParsedRequest request,
    String deploymentId,
    LitellmParams params,
    long timeoutMillis,
    Cancellation cancellation,
    OptionalLong maxOutputTokens,
    @Nullable String traceparent,
    @Nullable String tracestate) {

  /** A call outside any trace. */
  public UpstreamRequest(
      ParsedRequest request,
      String deploymentId,
      LitellmParams params,
      long timeoutMillis,
      Cancellation cancellation,
      OptionalLong maxOutputTokens) {
    this(request, deploymentId, params, timeoutMillis, cancellation, maxOutputTokens, null, null);
  }
}

package dev.tollgate.tracing;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.GatewayException;
import dev.tollgate.provider.Endpoint;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The spans of one LLM request, opened and closed as it goes: the server span from {@link
 * Tracing#start} to {@link #end}, an admission span per attempt, and a client span per forwarded
 * attempt. Confined to the request's event loop.
 */
public interface RequestTrace {

  /** An attempt's admission starts; {@link #admitted} ends it. */
  void admitting();

  /** The admission started last ended: admitted when {@code denial} is null, else refused. */
  void admitted(@Nullable GatewayException denial);

  /**
   * Opens the client span of an attempt sent upstream, and returns the W3C {@code traceparent} that
   * names it, for the upstream request.
   *
   * @param endpoint the API of the request sent upstream, which names the operation ({@code chat},
   *     {@code embeddings}...)
   * @param provider Tollgate's provider name, such as {@code openai}
   * @param model the model the deployment asks the provider for
   * @param maxTokens the client's bound on the answer, when it set one
   * @param priceState the deployment's price state: {@code priced}, {@code free} or {@code unknown}
   */
  String attempt(
      Endpoint endpoint,
      String provider,
      String model,
      String deploymentId,
      String modelGroup,
      OptionalLong maxTokens,
      String priceState);

  /**
   * The W3C {@code tracestate} to send upstream beside each attempt's {@code traceparent}: the
   * client's, as it sent it; null when it sent none.
   */
  @Nullable String tracestate();

  /** The attempt in progress failed and another may follow: closes its client span. */
  void attemptFailed(GatewayException error);

  /**
   * The request ended with {@code record}: closes the last attempt's span with its usage and cost,
   * then the server span. The answer is read for its {@code id}, {@code model} and finish reasons,
   * and for its text only when messages are recorded ({@link Tracing#of}).
   *
   * @param request the request's body in OpenAI's shape, read only when messages are recorded
   * @param answer the non-streamed answer in OpenAI's shape; null for a stream or no answer
   * @param streamed the events relayed to a streaming client, as it received them; empty when not
   *     streamed
   */
  void end(
      SpendRecord record,
      byte @Nullable [] request,
      byte @Nullable [] answer,
      List<Buffer> streamed);

  /** The trace's id (32 hex digits), for the request's log lines. */
  String traceId();
}

package dev.tollgate.tracing;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.GatewayException;
import dev.tollgate.provider.Endpoint;
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

  /** The attempt in progress failed and another may follow: closes its client span. */
  void attemptFailed(GatewayException error);

  /**
   * The request ended with {@code record}: closes the last attempt's span with its usage and cost,
   * then the server span. {@code answer} is the non-streamed answer in OpenAI's shape, read for its
   * {@code id}, {@code model} and finish reasons only; null for a stream or no answer.
   */
  void end(SpendRecord record, byte @Nullable [] answer);
}

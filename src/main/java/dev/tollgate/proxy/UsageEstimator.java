package dev.tollgate.proxy;

import dev.tollgate.pricing.TokenCounter;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.openai.OpenAiContent;
import io.vertx.core.buffer.Buffer;
import org.jspecify.annotations.Nullable;

/**
 * The usage of a request whose provider reported none (docs/budgets.md, "Estimated usage"): input
 * counted from the request, output from what was relayed to the client. Blocks (tokenizing): runs
 * on a worker thread, after the answer has ended. Stateless.
 *
 * <p>Input is the tokens of the request's texts, plus {@value #TOKENS_PER_MESSAGE} per message and
 * {@value #REPLY_PRIMING_TOKENS} for the reply, as OpenAI's chat format adds them, plus {@value
 * #TOKENS_PER_IMAGE} per image part (a 1024×1024 image at high detail on GPT-4o). Output is the
 * tokens of the relayed text, tool-call arguments and reasoning, all of which the provider bills as
 * output; reasoning is also counted in {@link Usage#reasoningTokens()}.
 */
final class UsageEstimator {
  static final int TOKENS_PER_MESSAGE = 4;
  static final int REPLY_PRIMING_TOKENS = 3;
  static final int TOKENS_PER_IMAGE = 765;

  private UsageEstimator() {}

  /**
   * The estimate for {@code request} served by {@code providerModel}.
   *
   * @param relayed the stream's events as relayed, for a stream
   * @param answer the non-streamed answer's body, when one came
   */
  static Usage estimate(
      ParsedRequest request,
      String providerModel,
      @Nullable Relayed relayed,
      byte @Nullable [] answer) {
    TokenCounter counter = TokenCounter.forModel(providerModel);
    OpenAiContent.RequestText in = OpenAiContent.request(request.body(), request.endpoint());
    long input = counter.count(in.text()) + (long) in.images() * TOKENS_PER_IMAGE;
    if (in.messages() > 0 && request.endpoint() == Endpoint.CHAT) {
      input += (long) in.messages() * TOKENS_PER_MESSAGE + REPLY_PRIMING_TOKENS;
    }
    StringBuilder out = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    long keptBytes = 0;
    long droppedBytes = 0;
    if (relayed != null) {
      for (Buffer b : relayed.kept()) {
        OpenAiContent.streamed(b, out, reasoning);
      }
      keptBytes = relayed.keptBytes();
      droppedBytes = relayed.droppedBytes();
    } else if (answer != null) {
      OpenAiContent.answer(answer, out, reasoning);
    }
    long text = counter.count(out);
    long thought = counter.count(reasoning);
    if (droppedBytes > 0 && keptBytes > 0) {
      // Past the cap the events were counted, not kept: scale by bytes, rounding up.
      text = ceilScale(text, keptBytes + droppedBytes, keptBytes);
      thought = ceilScale(thought, keptBytes + droppedBytes, keptBytes);
    }
    return new Usage(input, text + thought, 0, 0, 0, thought, 0, 0, 0, 0);
  }

  private static long ceilScale(long tokens, long total, long kept) {
    return (tokens * total + kept - 1) / kept;
  }
}

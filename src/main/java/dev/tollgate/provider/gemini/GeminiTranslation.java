package dev.tollgate.provider.gemini;

import dev.tollgate.common.GatewayException;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * The Gemini translation of an OpenAI chat, for another wire that carries Gemini's request and
 * answer: Vertex AI serves the same {@code generateContent} behind its own address and credentials.
 * Stateless; runs on the caller's event loop and never blocks.
 */
public final class GeminiTranslation {
  private GeminiTranslation() {}

  /** The {@code GenerateContentRequest} for a chat request to {@code model}. */
  public static Buffer chatBody(UpstreamRequest up, String model) {
    return Buffer.buffer(GeminiRequest.fromChat(up, model));
  }

  /** A {@code GenerateContentResponse} as a {@code chat.completion}. */
  public static UpstreamResponse chatAnswer(int status, byte[] body, String model, long created) {
    return GeminiAnswer.toChat(status, body, model, created);
  }

  /** Google's error answer as the client's error. */
  public static GatewayException error(int status, byte[] body) {
    return GeminiErrors.fromAnswer(status, body);
  }

  /**
   * A {@code GenerateContentResponse} for a client that spoke Gemini's API itself: the body as it
   * is, with its usage read.
   */
  public static UpstreamResponse nativeAnswer(int status, MultiMap headers, byte[] body) {
    return UpstreamResponse.nativeJson(
        status,
        headers,
        body,
        "a GenerateContentResponse",
        root -> GeminiUsage.of(root.path("usageMetadata")));
  }

  /** The relay of a stream for a client that spoke Gemini's API itself: byte for byte. */
  public static StreamRelay nativeRelay(SseSink sink) {
    return new GeminiPassThrough(sink);
  }

  /** The relay of a {@code streamGenerateContent?alt=sse} stream as chat chunks. */
  public static StreamRelay relay(UpstreamRequest up, SseSink sink, String model, long created) {
    return new GeminiStream(sink, up.request().includeUsage(), created, model);
  }
}

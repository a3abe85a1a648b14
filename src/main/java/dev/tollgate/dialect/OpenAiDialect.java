package dev.tollgate.dialect;

import dev.tollgate.common.Errors;
import dev.tollgate.common.GatewayException;
import dev.tollgate.provider.Endpoint;
import io.vertx.core.buffer.Buffer;

/**
 * OpenAI's own APIs (chat, completions, embeddings), which every provider takes: nothing is
 * bridged, streams pass as the provider relayed them, and a stream that fails after its head ends
 * with an error event and {@code data: [DONE]}, as OpenAI's clients expect.
 */
public final class OpenAiDialect implements Dialect {
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  /** The one encoder: it holds no state, so every stream shares it. */
  private static final StreamEncoder ENCODER =
      new StreamEncoder() {
        @Override
        public Buffer encode(Buffer events) {
          return events;
        }

        @Override
        public Buffer end() {
          return Buffer.buffer();
        }

        @Override
        public Buffer error(GatewayException error) {
          return Buffer.buffer("data: ")
              .appendBytes(Errors.body(error))
              .appendString("\n\n")
              .appendBuffer(DONE);
        }
      };

  private final Endpoint endpoint;

  public OpenAiDialect(Endpoint endpoint) {
    if (endpoint != Endpoint.CHAT
        && endpoint != Endpoint.COMPLETIONS
        && endpoint != Endpoint.EMBEDDINGS) {
      throw new IllegalArgumentException(endpoint + " is not one of OpenAI's bridged-to APIs");
    }
    this.endpoint = endpoint;
  }

  @Override
  public Endpoint endpoint() {
    return endpoint;
  }

  /** Never bridged: every provider serves OpenAI's APIs. */
  @Override
  public byte[] toChat(byte[] body) {
    return body;
  }

  @Override
  public byte[] fromChat(byte[] chatAnswer, String model) {
    return chatAnswer;
  }

  @Override
  public StreamEncoder encoder(String model) {
    return ENCODER;
  }

  @Override
  public byte[] errorBody(GatewayException error) {
    return Errors.body(error);
  }

  @Override
  public StreamEncoder passThrough() {
    return ENCODER;
  }
}

package dev.tollgate.dialect;

import dev.tollgate.common.GatewayException;
import dev.tollgate.provider.Endpoint;

/**
 * One client API, as the request path needs it: its request bridged into an OpenAI chat request,
 * the chat answer and stream bridged back, and its error body. When the deployment's provider
 * speaks the API natively ({@link dev.tollgate.provider.Provider#serves}), the request path sends
 * the client's bytes as they are and none of the bridging runs. Stateless; callable from any
 * thread.
 */
public interface Dialect {
  /** The API this dialect speaks. */
  Endpoint endpoint();

  /**
   * The client's request as an OpenAI chat request body, with {@code stream_options.include_usage}
   * on for a stream; a {@link GatewayException} (400) naming the field when it cannot be bridged.
   */
  byte[] toChat(byte[] body);

  /** A non-streamed OpenAI chat answer as this API's answer, for a request to {@code model}. */
  byte[] fromChat(byte[] chatAnswer, String model);

  /** The encoder for one bridged stream of a request to {@code model}. */
  StreamEncoder encoder(String model);

  /** The body of an error response in this API's shape; the status is the error's own. */
  byte[] errorBody(GatewayException error);

  /**
   * Headers that go with an error response in this API besides its body, such as the exception name
   * AWS's clients read from {@code x-amzn-ErrorType}; none by default.
   */
  default void errorHeaders(
      GatewayException error, java.util.function.BiConsumer<String, String> put) {}

  /** The event that reports an error in a stream this dialect's client receives natively. */
  StreamEncoder passThrough();

  /**
   * Whether a request in this API can reach a provider that does not speak it, through chat. A
   * provider's own API ({@code generateContent}, Converse) cannot: {@link #toChat} reads it only
   * for admission, and a deployment that does not speak it is passed over.
   */
  default boolean bridges() {
    return true;
  }

  /** The media type of a stream this dialect's client receives natively. */
  default String streamContentType() {
    return "text/event-stream";
  }
}

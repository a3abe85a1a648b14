package dev.tollgate.provider;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One provider's HTTP API as it looks on the wire: how a call is addressed, authenticated and
 * encoded, how its answer or its error is read, and how its stream is relayed. {@link UpstreamCall}
 * drives a format and owns everything else (timeouts, cancellation, backpressure, transport
 * failures), so a format never touches a timer, a connection or a pause.
 *
 * <p>One instance per event loop, made by its sub-package's {@link ProviderFactory}. Every method
 * runs on that event loop and never blocks.
 */
public interface WireFormat {
  /**
   * Whether requests to {@code endpoint} are sent in their own format. OpenAI's three endpoints are
   * taken by every format (translated where it differs); {@link Endpoint#MESSAGES} and {@link
   * Endpoint#RESPONSES} only by a format that speaks them natively, which passes the body and the
   * answer through as they are, reading only the usage. The request path bridges the others through
   * {@link Endpoint#CHAT}. {@code provider} is the deployment's LiteLLM provider name: one format
   * serves several, and not all of them have every API.
   */
  default boolean serves(Endpoint endpoint, String provider) {
    return endpoint == Endpoint.CHAT
        || endpoint == Endpoint.COMPLETIONS
        || endpoint == Endpoint.EMBEDDINGS;
  }

  /**
   * {@link #serves(Endpoint, String)} for a deployment with {@code params}: what the request path
   * asks, for a format whose models differ in what they speak (Vertex AI serves Claude, which
   * speaks the Messages API, beside Gemini, which speaks {@code generateContent}).
   */
  default boolean serves(Endpoint endpoint, LitellmParams params) {
    return serves(endpoint, params.provider());
  }

  /**
   * What a call must wait for before {@link #request} can address it, such as an access token being
   * fetched; null when everything is at hand, which is the case for every call of a format whose
   * credentials are static, so that such a call allocates nothing here. {@link UpstreamCall} keeps
   * the call's timeout and cancellation running while it waits, and fails the call with the
   * future's failure (a {@link GatewayException} naming the deployment).
   */
  default @Nullable Future<Void> ready(UpstreamRequest up) {
    return null;
  }

  /**
   * Where and how to send a call: method, host, port, path and headers, credentials included. The
   * transport sets the connect timeout.
   */
  RequestOptions request(UpstreamRequest up);

  /**
   * {@link #request(UpstreamRequest)} for a call whose {@link #body} is {@code body}: what {@link
   * UpstreamCall} asks, for a format whose credentials depend on the body (a signature over its
   * hash). By default the body is not needed.
   */
  default RequestOptions request(UpstreamRequest up, Buffer body) {
    return request(up);
  }

  /** The request body, in this format. */
  Buffer body(UpstreamRequest up);

  /**
   * A non-streamed answer below HTTP 400, with the usage it reports: in OpenAI's format, or for a
   * native {@link Endpoint#MESSAGES} or {@link Endpoint#RESPONSES} call, in that API's format.
   */
  UpstreamResponse answer(int status, MultiMap headers, byte[] body);

  /**
   * {@link #answer(int, MultiMap, byte[])} for the call {@code up}: what {@link UpstreamCall} asks,
   * for a format whose answer depends on its request (a native endpoint passed through, or a
   * translation that follows what the request asked for). By default the request is not needed.
   */
  default UpstreamResponse answer(UpstreamRequest up, int status, MultiMap headers, byte[] body) {
    return answer(status, headers, body);
  }

  /** An answer of HTTP 400 or above, as the error the client gets. */
  GatewayException error(int status, byte[] body);

  /**
   * {@link #error(int, byte[])} with the answer's headers: what {@link UpstreamCall} asks, for a
   * format whose error type travels in a header. By default the headers are not needed.
   */
  default GatewayException error(int status, MultiMap headers, byte[] body) {
    return error(status, body);
  }

  /**
   * Starts relaying a stream whose response head was a success, once {@link SseSink#begin} has been
   * called; one relay per stream.
   */
  StreamRelay relay(UpstreamRequest up, SseSink sink);

  /**
   * Where and how to send a client's own request, unchanged but for credentials, to the provider of
   * a deployment with {@code params}: the pass-through routes ({@code /openai/...}, {@code
   * /anthropic/...}). {@code pathAndQuery} is what follows the route's prefix, and is appended to
   * the origin (scheme, host and port) of the deployment's API base. Empty when the format has no
   * pass-through route.
   */
  default Optional<RequestOptions> passThrough(
      LitellmParams params, HttpMethod method, String pathAndQuery) {
    return Optional.empty();
  }

  /**
   * The output bound a chat request that sets no {@code max_tokens} is sent with, when this format
   * must send one (Anthropic requires it); empty when the upstream decides. Admission reserves for
   * this bound, so that what is reserved is what may be generated. {@code largest} is the
   * deployment's largest answer, when known.
   */
  default OptionalLong impliedMaxTokens(ParsedRequest chat, OptionalLong largest) {
    return OptionalLong.empty();
  }

  /** See {@link Provider#impliedMaxTokens(ParsedRequest, LitellmParams, OptionalLong)}. */
  default OptionalLong impliedMaxTokens(
      ParsedRequest chat, LitellmParams params, OptionalLong largest) {
    return impliedMaxTokens(chat, largest);
  }
}

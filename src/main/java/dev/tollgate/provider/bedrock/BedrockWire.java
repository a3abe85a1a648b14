package dev.tollgate.provider.bedrock;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import dev.tollgate.provider.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Clock;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The Bedrock runtime API on the wire. A chat is a Converse call, {@code POST
 * /model/<id>/converse}, or {@code /converse-stream} for a stream, whatever the model family; an
 * embedding is an {@code InvokeModel} call, {@code POST /model/<id>/invoke}, for Titan and Cohere
 * models ({@link BedrockEmbeddings}). Where the calls go is {@link BedrockTarget}'s, how they are
 * authenticated {@link BedrockAuth}'s: the signature covers the body, which is why this format
 * addresses a call with its body at hand.
 *
 * <p>Requests are translated by {@link BedrockRequest}, answers by {@link BedrockAnswer}, streams
 * (AWS event stream framing, not SSE) by {@link BedrockStream}, errors by {@link BedrockErrors}.
 * Bedrock has no text-completion endpoint, so those are a 400.
 *
 * <p>One instance per event loop; runs on it and never blocks.
 */
final class BedrockWire implements WireFormat {
  /** More deployments than this, and the cache is dropped and begun again. */
  private static final int MAX_TARGETS = 1024;

  private final Clock clock;
  private final BedrockAuth auth;

  /**
   * Each deployment's target, by its params object (one per registry snapshot), so that a call does
   * not parse its endpoint again; event-loop confined.
   */
  private final Map<LitellmParams, BedrockTarget> targets = new IdentityHashMap<>();

  BedrockWire(Clock clock, BedrockAuth auth) {
    this.clock = requireNonNull(clock, "clock");
    this.auth = requireNonNull(auth, "auth");
  }

  private BedrockTarget target(LitellmParams p) {
    BedrockTarget t = targets.get(p);
    if (t == null) {
      if (targets.size() >= MAX_TARGETS) {
        targets.clear();
      }
      t = BedrockTarget.of(p, auth.env());
      targets.put(p, t);
    }
    return t;
  }

  @Override
  public boolean serves(Endpoint endpoint, String provider) {
    return endpoint == Endpoint.CHAT
        || endpoint == Endpoint.EMBEDDINGS
        || endpoint == Endpoint.CONVERSE;
  }

  /** Not used: a Bedrock call is signed over its body, so the transport asks the other form. */
  @Override
  public RequestOptions request(UpstreamRequest up) {
    return request(up, body(up));
  }

  @Override
  public RequestOptions request(UpstreamRequest up, Buffer body) {
    BedrockTarget t = target(up.params());
    String action =
        up.request().endpoint() == Endpoint.EMBEDDINGS
            ? "invoke"
            : up.request().stream() ? "converse-stream" : "converse";
    String path = t.path(action);
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(t.host())
            .setPort(t.port())
            .setSsl(t.ssl())
            .setURI(path)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(
                HttpHeaders.ACCEPT,
                action.equals("converse-stream")
                    ? "application/vnd.amazon.eventstream"
                    : "application/json");
    auth.authenticate(o, up.params(), t, path, body.getBytes());
    return o;
  }

  @Override
  public Buffer body(UpstreamRequest up) {
    return switch (up.request().endpoint()) {
      case CHAT -> Buffer.buffer(BedrockRequest.fromChat(up, target(up.params()).modelId()));
      case EMBEDDINGS ->
          Buffer.buffer(BedrockEmbeddings.body(target(up.params()).modelId(), up.request().body()));
      case COMPLETIONS ->
          throw GatewayException.badRequest(
              null,
              "Bedrock has no text-completion endpoint; send this model chat requests"
                  + " (/v1/chat/completions)");
      case CONVERSE -> Buffer.buffer(up.request().body());
      case MESSAGES, RESPONSES, GENERATE_CONTENT ->
          throw GatewayException.badRequest(
              null, "Bedrock is reached through chat; send this model chat requests");
    };
  }

  /**
   * Not used: the answer depends on the request's endpoint, so the transport asks {@link
   * #answer(UpstreamRequest, int, MultiMap, byte[])}.
   */
  @Override
  public UpstreamResponse answer(int status, MultiMap headers, byte[] body) {
    throw new IllegalStateException("a Bedrock answer is read with its request");
  }

  @Override
  public UpstreamResponse answer(UpstreamRequest up, int status, MultiMap headers, byte[] body) {
    String modelId = target(up.params()).modelId();
    if (up.request().endpoint() == Endpoint.EMBEDDINGS) {
      return BedrockEmbeddings.answer(modelId, status, headers, body, modelId);
    }
    if (up.request().endpoint() == Endpoint.CONVERSE) {
      return nativeAnswer(status, headers, body);
    }
    String requestId = headers.get("x-amzn-requestid");
    String id = "chatcmpl-" + (requestId == null ? UUID.randomUUID() : requestId);
    return BedrockAnswer.toChat(
        status,
        body,
        BedrockRequest.jsonTool(up.request().body()),
        id,
        modelId,
        clock.instant().getEpochSecond());
  }

  /** A Converse answer for a client that spoke Converse itself: the body as it is, and usage. */
  private static UpstreamResponse nativeAnswer(int status, MultiMap headers, byte[] body) {
    return UpstreamResponse.nativeJson(
        status, headers, body, "a Converse response", root -> BedrockUsage.read(root.get("usage")));
  }

  /** Not used: the error type is in a header, so the transport asks the other form. */
  @Override
  public GatewayException error(int status, byte[] body) {
    return BedrockErrors.fromAnswer(status, null, body);
  }

  @Override
  public GatewayException error(int status, MultiMap headers, byte[] body) {
    return BedrockErrors.fromAnswer(status, headers.get("x-amzn-errortype"), body);
  }

  @Override
  public StreamRelay relay(UpstreamRequest up, SseSink sink) {
    if (up.request().endpoint() == Endpoint.CONVERSE) {
      return new BedrockPassThrough(sink);
    }
    return new BedrockStream(
        sink,
        up.request().includeUsage(),
        BedrockRequest.jsonTool(up.request().body()),
        "chatcmpl-" + UUID.randomUUID(),
        clock.instant().getEpochSecond(),
        target(up.params()).modelId());
  }
}

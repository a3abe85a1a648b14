package dev.tollgate.provider;

import dev.tollgate.config.LitellmParams;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the request path calls to reach one kind of upstream with an OpenAI-format request, getting
 * an OpenAI-format answer back. HTTP providers are an {@link UpstreamCall} driving their {@link
 * WireFormat}; the mock answers in-process. One instance per event loop; runs on it and never
 * blocks.
 */
public interface Provider {
  /**
   * Whether requests to {@code endpoint} reach this provider as they are; see {@link
   * WireFormat#serves}.
   */
  default boolean serves(Endpoint endpoint, String provider) {
    return endpoint == Endpoint.CHAT
        || endpoint == Endpoint.COMPLETIONS
        || endpoint == Endpoint.EMBEDDINGS;
  }

  /** See {@link WireFormat#serves(Endpoint, LitellmParams)}. */
  default boolean serves(Endpoint endpoint, LitellmParams params) {
    return serves(endpoint, params.provider());
  }

  /** A non-streaming call; fails with a {@link dev.tollgate.common.GatewayException}. */
  Future<UpstreamResponse> call(UpstreamRequest request);

  /** A streaming call, written to {@code sink}. */
  void stream(UpstreamRequest request, SseSink sink);

  /** See {@link WireFormat#passThrough}. */
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

  /**
   * {@link #impliedMaxTokens(ParsedRequest, OptionalLong)} for a deployment with {@code params}:
   * what the request path asks, for a provider whose models differ in this (Vertex AI serves
   * Claude, which requires the bound, beside Gemini, which does not).
   */
  default OptionalLong impliedMaxTokens(
      ParsedRequest chat, LitellmParams params, OptionalLong largest) {
    return impliedMaxTokens(chat, largest);
  }

  /**
   * This provider, telling {@code limits} what each upstream answer says of the upstream's rate
   * limits; a provider that reads no such headers returns itself.
   */
  default Provider hearing(UpstreamLimits limits) {
    return this;
  }
}

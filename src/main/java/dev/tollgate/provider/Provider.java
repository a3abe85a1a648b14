package dev.tollgate.provider;

import io.vertx.core.Future;

/**
 * A provider wire format. Implementations translate an OpenAI-format request for their upstream and
 * translate the answer back. One instance per event loop; runs on it and never blocks.
 */
public interface Provider {
  /** A non-streaming call; fails with a {@link dev.tollgate.common.GatewayException}. */
  Future<UpstreamResponse> call(UpstreamRequest request);

  /** A streaming call, written to {@code sink}. */
  void stream(UpstreamRequest request, SseSink sink);
}

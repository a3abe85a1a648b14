package dev.tollgate.provider.anthropic;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.ConfiguredHeaders;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
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
import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}) on the wire. Credentials are the {@code
 * x-api-key} header, with {@code anthropic-version: 2023-06-01}; every header configured in the
 * deployment's {@code headers} and {@code extra_headers} (such as {@code anthropic-beta}) is sent
 * too, and wins over these.
 *
 * <p>Two endpoints reach it as they are. {@link Endpoint#CHAT} is translated: the request by {@link
 * AnthropicRequest}, the answer by {@link AnthropicAnswer}, the stream by {@link AnthropicStream}.
 * {@link Endpoint#MESSAGES}, a client speaking Anthropic's API, passes through with only {@code
 * model} rewritten: its answer unchanged and its stream byte for byte ({@link
 * AnthropicPassThrough}), with the usage read from them. Anthropic has no text-completion or
 * embeddings endpoint, so those (and the Responses API, which the request path bridges through
 * chat) are a 400. Errors are mapped by {@link AnthropicErrors}.
 *
 * <p>One instance per event loop; runs on it and never blocks.
 */
final class AnthropicWire implements WireFormat {
  /** Anthropic's API, where a deployment without {@code api_base} goes. */
  static final String DEFAULT_BASE = "https://api.anthropic.com";

  static final String VERSION = "2023-06-01";

  private final Clock clock;

  /** Parsed API bases, so that a request does not parse its URL again; event-loop confined. */
  private final Map<String, Target> targets = new HashMap<>();

  AnthropicWire(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * Where an API base points. The path is completed to {@code /v1/messages} as LiteLLM completes
   * it: kept when it already ends so, and appended otherwise, except that a base ending in {@code
   * /v1} (as OpenAI-style bases do) gets only {@code /messages} where LiteLLM would send {@code
   * /v1/v1/messages}.
   */
  record Target(String host, int port, boolean ssl, String path) {
    static Target parse(String base) {
      URI u = URI.create(base);
      boolean ssl = "https".equalsIgnoreCase(u.getScheme());
      String host = u.getHost() == null ? "localhost" : u.getHost();
      int port = u.getPort() > 0 ? u.getPort() : ssl ? 443 : 80;
      String path = u.getRawPath() == null ? "" : u.getRawPath();
      while (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      if (!path.endsWith("/v1/messages")) {
        path += path.endsWith("/v1") ? "/messages" : "/v1/messages";
      }
      return new Target(host, port, ssl, path);
    }
  }

  /** Anthropic requires {@code max_tokens}: the bound this format sends when a chat sets none. */
  @Override
  public OptionalLong impliedMaxTokens(ParsedRequest chat, OptionalLong largest) {
    return OptionalLong.of(AnthropicRequest.impliedMaxTokens(chat, largest));
  }

  @Override
  public boolean serves(Endpoint endpoint, String provider) {
    return endpoint == Endpoint.CHAT || endpoint == Endpoint.MESSAGES;
  }

  @Override
  public RequestOptions request(UpstreamRequest up) {
    LitellmParams p = up.params();
    Target t = targets.computeIfAbsent(p.apiBase().orElse(DEFAULT_BASE), Target::parse);
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(t.host())
            .setPort(t.port())
            .setSsl(t.ssl())
            .setURI(t.path())
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(
                HttpHeaders.ACCEPT,
                up.request().stream() ? "text/event-stream" : "application/json")
            .putHeader("anthropic-version", VERSION);
    p.apiKey().ifPresent(k -> o.putHeader("x-api-key", k));
    ConfiguredHeaders.put(p, o);
    return o;
  }

  @Override
  public Buffer body(UpstreamRequest up) {
    return switch (up.request().endpoint()) {
      case CHAT -> Buffer.buffer(AnthropicRequest.fromChat(up));
      case MESSAGES -> Buffer.buffer(up.request().forUpstream(up.params().providerModel(), false));
      case COMPLETIONS ->
          throw GatewayException.badRequest(
              null,
              "Anthropic has no text-completion endpoint; send this model chat requests"
                  + " (/v1/chat/completions)");
      case EMBEDDINGS ->
          throw GatewayException.badRequest(null, "Anthropic has no embeddings endpoint");
      case RESPONSES ->
          throw GatewayException.badRequest(
              null, "Anthropic has no Responses API; send this model chat requests");
      case GENERATE_CONTENT, CONVERSE ->
          throw GatewayException.badRequest(null, "Anthropic speaks only its own API");
    };
  }

  /**
   * Not used: the answer depends on the request's endpoint, so the transport asks {@link
   * #answer(UpstreamRequest, int, MultiMap, byte[])}.
   */
  @Override
  public UpstreamResponse answer(int status, MultiMap headers, byte[] body) {
    throw new IllegalStateException("an Anthropic answer is read with its request");
  }

  @Override
  public UpstreamResponse answer(UpstreamRequest up, int status, MultiMap headers, byte[] body) {
    if (up.request().endpoint() == Endpoint.MESSAGES) {
      String type = headers.get(HttpHeaders.CONTENT_TYPE);
      return new UpstreamResponse(
          status, type == null ? "application/json" : type, body, AnthropicAnswer.usageOf(body));
    }
    return AnthropicAnswer.toChat(
        status,
        body,
        AnthropicRequest.jsonMode(up.request().body()),
        clock.instant().getEpochSecond());
  }

  @Override
  public GatewayException error(int status, byte[] body) {
    return AnthropicErrors.fromAnswer(status, body);
  }

  @Override
  public StreamRelay relay(UpstreamRequest up, SseSink sink) {
    if (up.request().endpoint() == Endpoint.MESSAGES) {
      return new AnthropicPassThrough(sink);
    }
    return new AnthropicStream(
        sink,
        up.request().includeUsage(),
        AnthropicRequest.jsonMode(up.request().body()),
        clock.instant().getEpochSecond(),
        up.params().providerModel());
  }

  /**
   * Anthropic's pass-through: the API base's origin, the client's path (such as {@code
   * /v1/messages/count_tokens} or {@code /v1/models}), the deployment's key, the API version and
   * the configured headers.
   */
  @Override
  public Optional<RequestOptions> passThrough(
      LitellmParams p, HttpMethod method, String pathAndQuery) {
    Target t = targets.computeIfAbsent(p.apiBase().orElse(DEFAULT_BASE), Target::parse);
    RequestOptions o =
        new RequestOptions()
            .setMethod(method)
            .setHost(t.host())
            .setPort(t.port())
            .setSsl(t.ssl())
            .setURI(pathAndQuery)
            .putHeader("anthropic-version", VERSION);
    p.apiKey().ifPresent(k -> o.putHeader("x-api-key", k));
    ConfiguredHeaders.put(p, o);
    return Optional.of(o);
  }
}

package dev.tollgate.provider.gemini;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.ConfiguredHeaders;
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
import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Google's Gemini API on the wire: {@code POST {api_base}/v1beta/models/{model}:generateContent},
 * {@code :streamGenerateContent?alt=sse} for a stream and {@code :batchEmbedContents} for
 * embeddings, with the key in the {@code x-goog-api-key} header (the deployment's {@code api_key},
 * which the config takes from {@code GEMINI_API_KEY} when it names none, as LiteLLM does). Every
 * header configured in the deployment's {@code headers} and {@code extra_headers} is sent too.
 *
 * <p>Chat is translated ({@link GeminiRequest}, {@link GeminiAnswer}, {@link GeminiStream}), and
 * embeddings ({@link GeminiRequest#fromEmbeddings}); Gemini has no text-completion endpoint, and
 * the request path bridges the Responses and Messages APIs through chat. Errors are mapped by
 * {@link GeminiErrors}.
 *
 * <p>One instance per event loop; runs on it and never blocks.
 */
final class GeminiWire implements WireFormat {
  /** Google AI Studio's API, where a deployment without {@code api_base} goes. */
  static final String DEFAULT_BASE = "https://generativelanguage.googleapis.com";

  static final String KEY_HEADER = "x-goog-api-key";

  private final Clock clock;

  /** Parsed API bases, so that a request does not parse its URL again; event-loop confined. */
  private final Map<String, Target> targets = new HashMap<>();

  GeminiWire(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * Where an API base points: its path, completed with {@code /v1beta} unless it names a version.
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
      if (!path.endsWith("/v1beta") && !path.endsWith("/v1")) {
        path += "/v1beta";
      }
      return new Target(host, port, ssl, path);
    }
  }

  /**
   * Gemini's pass-through ({@code /gemini/{path}}): the API base's origin, the client's path and
   * query without a {@code key} parameter (where Google's SDKs put a key: the caller's, never to be
   * forwarded), the deployment's key and configured headers.
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
            .setURI(withoutKey(pathAndQuery));
    p.apiKey().ifPresent(k -> o.putHeader(KEY_HEADER, k));
    ConfiguredHeaders.put(p, o);
    return Optional.of(o);
  }

  /** {@code pathAndQuery} without its {@code key} query parameters. */
  static String withoutKey(String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    if (q < 0) {
      return pathAndQuery;
    }
    StringBuilder kept = new StringBuilder();
    for (String param : pathAndQuery.substring(q + 1).split("&")) {
      if (param.isEmpty() || param.equals("key") || param.startsWith("key=")) {
        continue;
      }
      kept.append(kept.length() == 0 ? "?" : "&").append(param);
    }
    return pathAndQuery.substring(0, q) + kept;
  }

  @Override
  public boolean serves(Endpoint endpoint, String provider) {
    return endpoint == Endpoint.CHAT
        || endpoint == Endpoint.EMBEDDINGS
        || endpoint == Endpoint.GENERATE_CONTENT;
  }

  @Override
  public RequestOptions request(UpstreamRequest up) {
    LitellmParams p = up.params();
    Target t = targets.computeIfAbsent(p.apiBase().orElse(DEFAULT_BASE), Target::parse);
    boolean stream = up.request().stream();
    String method =
        up.request().endpoint() == Endpoint.EMBEDDINGS
            ? ":batchEmbedContents"
            : stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(t.host())
            .setPort(t.port())
            .setSsl(t.ssl())
            .setURI(t.path() + "/models/" + p.providerModel() + method)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(HttpHeaders.ACCEPT, stream ? "text/event-stream" : "application/json");
    p.apiKey().ifPresent(k -> o.putHeader(KEY_HEADER, k));
    ConfiguredHeaders.put(p, o);
    return o;
  }

  @Override
  public Buffer body(UpstreamRequest up) {
    String model = up.params().providerModel();
    return switch (up.request().endpoint()) {
      case CHAT -> GeminiTranslation.chatBody(up, model);
      case EMBEDDINGS -> Buffer.buffer(GeminiRequest.fromEmbeddings(up.request().body(), model));
      case GENERATE_CONTENT -> Buffer.buffer(up.request().body());
      case COMPLETIONS ->
          throw GatewayException.badRequest(
              null,
              "Gemini has no text-completion endpoint; send this model chat requests"
                  + " (/v1/chat/completions)");
      case MESSAGES, RESPONSES, CONVERSE ->
          throw GatewayException.badRequest(
              null, "Gemini speaks only its own API; send this model chat requests");
    };
  }

  /** Not used: the answer depends on the request's endpoint. */
  @Override
  public UpstreamResponse answer(int status, MultiMap headers, byte[] body) {
    throw new IllegalStateException("a Gemini answer is read with its request");
  }

  @Override
  public UpstreamResponse answer(UpstreamRequest up, int status, MultiMap headers, byte[] body) {
    String model = up.params().providerModel();
    if (up.request().endpoint() == Endpoint.EMBEDDINGS) {
      return GeminiAnswer.toEmbeddings(status, body, model);
    }
    if (up.request().endpoint() == Endpoint.GENERATE_CONTENT) {
      return GeminiTranslation.nativeAnswer(status, headers, body);
    }
    return GeminiAnswer.toChat(status, body, model, clock.instant().getEpochSecond());
  }

  @Override
  public GatewayException error(int status, byte[] body) {
    return GeminiErrors.fromAnswer(status, body);
  }

  @Override
  public StreamRelay relay(UpstreamRequest up, SseSink sink) {
    if (up.request().endpoint() == Endpoint.GENERATE_CONTENT) {
      return new GeminiPassThrough(sink);
    }
    return GeminiTranslation.relay(
        up, sink, up.params().providerModel(), clock.instant().getEpochSecond());
  }
}

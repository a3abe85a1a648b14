package dev.tollgate.provider.vertex;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.ConfiguredHeaders;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import dev.tollgate.provider.WireFormat;
import dev.tollgate.provider.anthropic.AnthropicTranslation;
import dev.tollgate.provider.gemini.GeminiTranslation;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Vertex AI on the wire. A model is addressed as {@code https://{location}-aiplatform.googleapis
 * .com/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}}
 * ({@code aiplatform.googleapis.com} for the {@code global} location); an {@code api_base} replaces
 * the scheme, host and port (and prefixes its path). The project is {@code vertex_project}, else
 * the credential's {@code project_id}; the location {@code vertex_location}, else {@value
 * #DEFAULT_LOCATION}, as LiteLLM defaults it. Every call carries a bearer token from {@link
 * VertexAuth}, and the deployment's configured {@code headers} and {@code extra_headers}.
 *
 * <ul>
 *   <li>Gemini models (publisher {@code google}): {@code :generateContent} and {@code
 *       :streamGenerateContent?alt=sse}, with the Gemini translation ({@link GeminiTranslation}).
 *   <li>Claude models ({@code vertex_ai/claude-*}, publisher {@code anthropic}): {@code
 *       :rawPredict} and {@code :streamRawPredict}, with the Anthropic translation ({@link
 *       AnthropicTranslation}); the body has no {@code model} and carries {@code anthropic_version:
 *       }{@value #ANTHROPIC_VERSION}.
 *   <li>Embeddings on Google's text-embedding models: {@code :predict} ({@link VertexEmbeddings}).
 *   <li>A client's own {@code generateContent} (to a Gemini model) or Messages request (to a Claude
 *       one), from the {@code /vertex_ai/} route, as it is: only the address and the token are the
 *       deployment's.
 * </ul>
 *
 * An error answer is read as Anthropic's when it is one ({@code "type": "error"}) and as Google's
 * otherwise: Vertex's own front end answers Google's errors for either publisher.
 *
 * <p>One instance per event loop; runs on it and never blocks.
 */
final class VertexWire implements WireFormat {
  static final String DEFAULT_LOCATION = "us-central1";
  static final String ANTHROPIC_VERSION = "vertex-2023-10-16";
  static final String PROJECT = "vertex_project";
  static final String LOCATION = "vertex_location";

  private final VertexAuth auth;
  private final Clock clock;

  /** Parsed API bases; event-loop confined. */
  private final Map<String, Target> targets = new HashMap<>();

  VertexWire(VertexAuth auth, Clock clock) {
    this.auth = requireNonNull(auth, "auth");
    this.clock = requireNonNull(clock, "clock");
  }

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
      if (path.endsWith("/v1")) {
        path = path.substring(0, path.length() - 3);
      }
      return new Target(host, port, ssl, path);
    }

    /** Vertex's regional host for a location. */
    static Target of(String location) {
      String host =
          location.equals("global")
              ? "aiplatform.googleapis.com"
              : location + "-aiplatform.googleapis.com";
      return new Target(host, 443, true, "");
    }
  }

  /** Whether a deployment's model is Anthropic's Claude, served through rawPredict. */
  static boolean claude(LitellmParams p) {
    return p.providerModel().startsWith("claude");
  }

  /** Claude requires {@code max_tokens}: the bound its translation sends when a chat sets none. */
  @Override
  public OptionalLong impliedMaxTokens(
      ParsedRequest chat, LitellmParams params, OptionalLong largest) {
    return claude(params)
        ? AnthropicTranslation.impliedMaxTokens(chat, largest)
        : OptionalLong.empty();
  }

  @Override
  public boolean serves(Endpoint endpoint, String provider) {
    return endpoint == Endpoint.CHAT;
  }

  /**
   * Chat for every model; besides, a client's own API reaches the model that speaks it as it is:
   * the Messages API ({@code rawPredict}) a Claude model, {@code generateContent} a Gemini one.
   */
  @Override
  public boolean serves(Endpoint endpoint, LitellmParams params) {
    return switch (endpoint) {
      case CHAT -> true;
      case MESSAGES -> claude(params);
      case GENERATE_CONTENT, EMBEDDINGS -> !claude(params);
      default -> false;
    };
  }

  @Override
  public @Nullable Future<Void> ready(UpstreamRequest up) {
    Future<Void> token = auth.ready(up);
    if (up.params().extra().get(PROJECT) instanceof String) {
      return token;
    }
    // The project comes from the credential, known once it has been read.
    if (token == null) {
      return auth.project(up) != null ? null : noProject(up);
    }
    return token.compose(v -> auth.project(up) != null ? Future.succeededFuture() : noProject(up));
  }

  private static Future<Void> noProject(UpstreamRequest up) {
    return Future.failedFuture(
        GatewayException.badRequest(
            null,
            "deployment "
                + up.deploymentId()
                + " names no vertex_project, and its vertex_credentials no project_id"));
  }

  @Override
  public RequestOptions request(UpstreamRequest up) {
    LitellmParams p = up.params();
    String location =
        p.extra().get(LOCATION) instanceof String l && !l.isBlank() ? l : DEFAULT_LOCATION;
    String project =
        p.extra().get(PROJECT) instanceof String s && !s.isBlank()
            ? s
            : requireNonNull(auth.project(up), "project");
    Target t =
        p.apiBase().isPresent()
            ? targets.computeIfAbsent(p.apiBase().get(), Target::parse)
            : targets.computeIfAbsent("location:" + location, k -> Target.of(location));
    boolean stream = up.request().stream();
    boolean claude = claude(p);
    String method;
    if (up.request().endpoint() == Endpoint.EMBEDDINGS) {
      method = ":predict";
    } else if (claude) {
      method = stream ? ":streamRawPredict" : ":rawPredict";
    } else {
      method = stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
    }
    String path =
        t.path()
            + "/v1/projects/"
            + project
            + "/locations/"
            + location
            + "/publishers/"
            + (claude ? "anthropic" : "google")
            + "/models/"
            + p.providerModel()
            + method;
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(t.host())
            .setPort(t.port())
            .setSsl(t.ssl())
            .setURI(path)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(HttpHeaders.ACCEPT, stream ? "text/event-stream" : "application/json");
    auth.apply(up, o);
    ConfiguredHeaders.put(p, o);
    return o;
  }

  @Override
  public Buffer body(UpstreamRequest up) {
    Endpoint endpoint = up.request().endpoint();
    if (endpoint == Endpoint.MESSAGES && claude(up.params())) {
      return AnthropicTranslation.nativeBodyWithoutModel(up.request().body(), ANTHROPIC_VERSION);
    }
    if (endpoint == Endpoint.GENERATE_CONTENT && !claude(up.params())) {
      return Buffer.buffer(up.request().body());
    }
    if (endpoint == Endpoint.EMBEDDINGS && !claude(up.params())) {
      return Buffer.buffer(VertexEmbeddings.body(up.request().body()));
    }
    if (endpoint != Endpoint.CHAT) {
      throw GatewayException.badRequest(
          null, "Vertex AI deployments take chat requests (/v1/chat/completions)");
    }
    return claude(up.params())
        ? AnthropicTranslation.bodyWithoutModel(up, ANTHROPIC_VERSION)
        : GeminiTranslation.chatBody(up, up.params().providerModel());
  }

  /** Not used: the answer depends on the request's model. */
  @Override
  public UpstreamResponse answer(int status, MultiMap headers, byte[] body) {
    throw new IllegalStateException("a Vertex AI answer is read with its request");
  }

  @Override
  public UpstreamResponse answer(UpstreamRequest up, int status, MultiMap headers, byte[] body) {
    switch (up.request().endpoint()) {
      case MESSAGES -> {
        return AnthropicTranslation.nativeAnswer(status, headers, body);
      }
      case GENERATE_CONTENT -> {
        return GeminiTranslation.nativeAnswer(status, headers, body);
      }
      case EMBEDDINGS -> {
        return VertexEmbeddings.answer(status, body, up.params().providerModel());
      }
      default -> {
        // chat, translated below
      }
    }
    long created = clock.instant().getEpochSecond();
    return claude(up.params())
        ? AnthropicTranslation.chatAnswer(up, status, body, created)
        : GeminiTranslation.chatAnswer(status, body, up.params().providerModel(), created);
  }

  @Override
  public GatewayException error(int status, byte[] body) {
    return anthropicError(body)
        ? AnthropicTranslation.error(status, body)
        : GeminiTranslation.error(status, body);
  }

  private static boolean anthropicError(byte[] body) {
    try {
      JsonNode root = Json.MAPPER.readTree(body);
      return root != null && root.path("type").asText("").equals("error");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public StreamRelay relay(UpstreamRequest up, SseSink sink) {
    switch (up.request().endpoint()) {
      case MESSAGES -> {
        return AnthropicTranslation.nativeRelay(sink);
      }
      case GENERATE_CONTENT -> {
        return GeminiTranslation.nativeRelay(sink);
      }
      default -> {
        // chat, translated below
      }
    }
    long created = clock.instant().getEpochSecond();
    return claude(up.params())
        ? AnthropicTranslation.relay(up, sink, created)
        : GeminiTranslation.relay(up, sink, up.params().providerModel(), created);
  }
}

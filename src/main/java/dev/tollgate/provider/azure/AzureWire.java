package dev.tollgate.provider.azure;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import dev.tollgate.provider.WireFormat;
import dev.tollgate.provider.openai.OpenAiWire;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Azure OpenAI's wire format: OpenAI's bodies, answers, streams, usage and errors (handled by
 * {@link OpenAiWire}), addressed by deployment and API version and authenticated by {@link
 * AzureAuth}. Two address forms:
 *
 * <ul>
 *   <li>By deployment: {@code {api_base}/openai/deployments/{deployment}/chat/completions?
 *       api-version={api_version}} (and {@code /completions}, {@code /embeddings}). The Responses
 *       API has no deployment path: {@code {api_base}/openai/responses?api-version=...}, with the
 *       deployment as {@code model} in the body.
 *   <li>The v1 API, when {@code api_version} is {@code v1}, {@code latest} or {@code preview}, or
 *       {@code api_base} already ends with {@code /openai/v1}: {@code {api_base}/openai/v1/chat/
 *       completions}, with the deployment as {@code model} in the body; {@code latest} and {@code
 *       preview} are still sent as {@code api-version}, as LiteLLM does.
 * </ul>
 *
 * <p>Without {@code api_version}, LiteLLM's defaults apply: {@value #DEFAULT_API_VERSION}, and
 * {@value #DEFAULT_RESPONSES_API_VERSION} for the Responses API (which so goes to the v1 path). One
 * instance per event loop; runs on it and never blocks.
 */
final class AzureWire implements WireFormat {
  /** LiteLLM's {@code AZURE_DEFAULT_API_VERSION}, used when a deployment sets no api_version. */
  static final String DEFAULT_API_VERSION = "2025-02-01-preview";

  /** LiteLLM's {@code AZURE_DEFAULT_RESPONSES_API_VERSION}: the v1 API's preview. */
  static final String DEFAULT_RESPONSES_API_VERSION = "preview";

  private static final String V1_SUFFIX = "/openai/v1";

  private final OpenAiWire openai = new OpenAiWire();
  private final AzureAuth auth;

  /** Parsed API bases, so that a request does not parse its URL again; event-loop confined. */
  private final Map<String, Target> targets = new HashMap<>();

  AzureWire(AzureAuth auth) {
    this.auth = requireNonNull(auth, "auth");
  }

  /** Where an API base points; {@code v1} when it already ended with {@code /openai/v1}. */
  private record Target(String host, int port, boolean ssl, String root, boolean v1) {
    static Target parse(String base) {
      URI u = URI.create(base);
      boolean ssl = "https".equalsIgnoreCase(u.getScheme());
      String host = u.getHost() == null ? "localhost" : u.getHost();
      int port = u.getPort() > 0 ? u.getPort() : ssl ? 443 : 80;
      String path = u.getRawPath() == null ? "" : u.getRawPath();
      while (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      boolean v1 = path.endsWith(V1_SUFFIX);
      String root = v1 ? path.substring(0, path.length() - V1_SUFFIX.length()) : path;
      return new Target(host, port, ssl, root, v1);
    }
  }

  @Override
  public boolean serves(Endpoint endpoint, String provider) {
    return openai.serves(endpoint, provider);
  }

  @Override
  public @Nullable Future<Void> ready(UpstreamRequest up) {
    return auth.ready(up);
  }

  @Override
  public RequestOptions request(UpstreamRequest up) {
    LitellmParams p = up.params();
    Target t = targets.computeIfAbsent(p.apiBase().orElse(""), Target::parse);
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(t.host())
            .setPort(t.port())
            .setSsl(t.ssl())
            .setURI(
                path(t.root(), t.v1(), p.providerModel(), p.apiVersion(), up.request().endpoint()))
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(
                HttpHeaders.ACCEPT,
                up.request().stream() ? "text/event-stream" : "application/json");
    auth.apply(up, o);
    return o;
  }

  /** The path and query of a call; see the class comment for the forms. */
  static String path(
      String root,
      boolean baseIsV1,
      String deployment,
      Optional<String> apiVersion,
      Endpoint endpoint) {
    String version =
        apiVersion.orElse(
            endpoint == Endpoint.RESPONSES ? DEFAULT_RESPONSES_API_VERSION : DEFAULT_API_VERSION);
    boolean previewOrLatest = version.equals("preview") || version.equals("latest");
    if (baseIsV1 || previewOrLatest || version.equals("v1")) {
      return root + V1_SUFFIX + endpoint.path() + (previewOrLatest ? query(version) : "");
    }
    if (endpoint == Endpoint.RESPONSES) {
      return root + "/openai/responses" + query(version);
    }
    return root + "/openai/deployments/" + deployment + endpoint.path() + query(version);
  }

  private static String query(String version) {
    return "?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
  }

  @Override
  public Buffer body(UpstreamRequest up) {
    return openai.body(up);
  }

  @Override
  public UpstreamResponse answer(int status, MultiMap headers, byte[] body) {
    return openai.answer(status, headers, body);
  }

  @Override
  public GatewayException error(int status, byte[] body) {
    return openai.error(status, body);
  }

  @Override
  public StreamRelay relay(UpstreamRequest up, SseSink sink) {
    return openai.relay(up, sink);
  }
}

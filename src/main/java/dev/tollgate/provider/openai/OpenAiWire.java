package dev.tollgate.provider.openai;

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
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * OpenAI's wire format, for OpenAI itself and every OpenAI-compatible server. The request body is
 * forwarded as the client sent it, with only {@code model} rewritten (and, for streams, {@code
 * stream_options.include_usage} forced on so the gateway can bill; {@link OpenAiStream} then
 * withholds the usage-only chunk from a client that did not ask for it). Credentials are a bearer
 * token. The Responses API is served natively: its body and answer pass through with only {@code
 * model} rewritten, and its stream is relayed by {@link ResponsesStream}.
 *
 * <p>Public so that formats which only address and authenticate OpenAI's format differently (Azure
 * OpenAI) can use its body, answer, error and stream handling. One instance per event loop; runs on
 * it and never blocks.
 */
public final class OpenAiWire implements WireFormat {
  /** Default API bases of OpenAI-compatible providers, by LiteLLM provider name. */
  static final Map<String, String> DEFAULT_BASES =
      Map.ofEntries(
          Map.entry("openai", "https://api.openai.com/v1"),
          Map.entry("text-completion-openai", "https://api.openai.com/v1"),
          Map.entry("groq", "https://api.groq.com/openai/v1"),
          Map.entry("together_ai", "https://api.together.xyz/v1"),
          Map.entry("fireworks_ai", "https://api.fireworks.ai/inference/v1"),
          Map.entry("deepseek", "https://api.deepseek.com/v1"),
          Map.entry("xai", "https://api.x.ai/v1"),
          Map.entry("mistral", "https://api.mistral.ai/v1"),
          Map.entry("openrouter", "https://openrouter.ai/api/v1"),
          Map.entry("perplexity", "https://api.perplexity.ai"),
          Map.entry("deepinfra", "https://api.deepinfra.com/v1/openai"),
          Map.entry("cerebras", "https://api.cerebras.ai/v1"),
          Map.entry("lm_studio", "http://localhost:1234/v1"),
          Map.entry("ollama", "http://localhost:11434/v1"),
          Map.entry("ollama_chat", "http://localhost:11434/v1"));

  /** Providers that speak OpenAI's format but have no public default base: api_base required. */
  static final java.util.Set<String> BASE_REQUIRED =
      java.util.Set.of("hosted_vllm", "openai_like", "custom_openai", "vllm", "litellm_proxy");

  private static final int MAX_ERROR_BODY = 64 * 1024;

  /** Parsed API bases, so that a request does not parse its URL again; event-loop confined. */
  private final Map<String, Target> targets = new java.util.HashMap<>();

  /** Where an API base points: scheme, host, port and path prefix. */
  private record Target(String host, int port, boolean ssl, String path) {
    static Target parse(String base) {
      java.net.URI u = java.net.URI.create(base);
      boolean ssl = "https".equalsIgnoreCase(u.getScheme());
      String host = u.getHost() == null ? "localhost" : u.getHost();
      int port = u.getPort() > 0 ? u.getPort() : ssl ? 443 : 80;
      String path = u.getRawPath() == null ? "" : u.getRawPath();
      return new Target(host, port, ssl, path);
    }
  }

  /**
   * The providers of OpenAI's format that have the Responses API themselves; a Responses request to
   * any other (vLLM, Groq, DeepSeek...) is bridged through chat, which all of them have.
   */
  static final Set<String> RESPONSES_NATIVE =
      Set.of("openai", "azure", "azure_text", "litellm_proxy");

  @Override
  public boolean serves(Endpoint endpoint, String provider) {
    return endpoint == Endpoint.RESPONSES
        ? RESPONSES_NATIVE.contains(provider)
        : WireFormat.super.serves(endpoint, provider);
  }

  @Override
  public RequestOptions request(UpstreamRequest up) {
    LitellmParams p = up.params();
    String base = p.apiBase().orElseGet(() -> DEFAULT_BASES.getOrDefault(p.provider(), ""));
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    boolean ollama = OLLAMA.contains(p.provider());
    String key = ollama ? "ollama " + base : base;
    Target t = targets.get(key);
    if (t == null) {
      t = Target.parse(base);
      if (ollama && (t.path().isEmpty() || t.path().equals("/"))) {
        // Ollama's OpenAI API is under /v1; LiteLLM's documented api_base names only the server.
        t = new Target(t.host(), t.port(), t.ssl(), "/v1");
      }
      targets.put(key, t);
    }
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(t.host())
            .setPort(t.port())
            .setSsl(t.ssl())
            .setURI(t.path() + up.request().endpoint().path())
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(
                HttpHeaders.ACCEPT,
                up.request().stream() ? "text/event-stream" : "application/json");
    p.apiKey().ifPresent(k -> o.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + k));
    Object org = p.extra().get("organization");
    if (org instanceof String s) {
      o.putHeader("OpenAI-Organization", s);
    }
    ConfiguredHeaders.put(p, o);
    return o;
  }

  /** The providers of Ollama's server, whose OpenAI API is under {@code /v1}. */
  private static final Set<String> OLLAMA = Set.of("ollama", "ollama_chat");

  /**
   * The client's body with {@code model} rewritten; a stream's {@code include_usage} forced on,
   * except on the Responses API, whose stream always ends with the usage.
   */
  @Override
  public Buffer body(UpstreamRequest up) {
    ParsedRequest r = up.request();
    return Buffer.buffer(
        r.forUpstream(
            up.params().providerModel(), r.stream() && r.endpoint() != Endpoint.RESPONSES));
  }

  @Override
  public UpstreamResponse answer(int status, MultiMap headers, byte[] body) {
    String type = headers.get(HttpHeaders.CONTENT_TYPE);
    return new UpstreamResponse(
        status, type == null ? "application/json" : type, body, OpenAiUsage.find(body));
  }

  @Override
  public StreamRelay relay(UpstreamRequest up, SseSink sink) {
    if (up.request().endpoint() == Endpoint.RESPONSES) {
      return new ResponsesStream(sink);
    }
    return new OpenAiStream(up.request().includeUsage(), sink, up.params());
  }

  /** An upstream 4xx passes through with the provider's detail; a 5xx becomes a 502. */
  @Override
  public GatewayException error(int status, byte[] body) {
    String detail = errorDetail(body);
    if (status >= 500) {
      return GatewayException.badGateway(
          "upstream returned HTTP " + status + (detail.isEmpty() ? "" : ": " + detail), null);
    }
    var error = detail.isEmpty() ? null : errorObject(body);
    String code =
        error != null && error.path("code").isTextual() ? error.get("code").asText() : null;
    return GatewayException.upstream(
        status,
        "upstream returned HTTP " + status + (detail.isEmpty() ? "" : ": " + detail),
        error != null ? body : null,
        code);
  }

  /** The {@code error} object of an error body in OpenAI's shape, or null. */
  private static com.fasterxml.jackson.databind.@org.jspecify.annotations.Nullable JsonNode
      errorObject(byte[] body) {
    try {
      var node = Json.MAPPER.readTree(body);
      return node != null && node.path("error").isObject() ? node.get("error") : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** The provider's error message, or the start of its body. */
  private static String errorDetail(byte[] body) {
    try {
      var node = Json.MAPPER.readTree(body);
      if (node != null) {
        var msg = node.path("error").path("message");
        if (msg.isTextual()) {
          return msg.asText();
        }
        if (node.path("error").isTextual()) {
          return node.path("error").asText();
        }
      }
    } catch (java.io.IOException e) {
      // not JSON: fall back to the text itself
    }
    String text =
        new String(body, 0, Math.min(body.length, MAX_ERROR_BODY), StandardCharsets.UTF_8);
    return text.length() > 500 ? text.substring(0, 500) + "..." : text.strip();
  }

  /** OpenAI's pass-through: the base's origin, the client's path, the deployment's bearer key. */
  @Override
  public Optional<RequestOptions> passThrough(
      LitellmParams p, HttpMethod method, String pathAndQuery) {
    String base = p.apiBase().orElseGet(() -> DEFAULT_BASES.getOrDefault(p.provider(), ""));
    if (base.isEmpty()) {
      return Optional.empty();
    }
    Target t =
        targets.computeIfAbsent(
            base.endsWith("/") ? base.substring(0, base.length() - 1) : base, Target::parse);
    RequestOptions o =
        new RequestOptions()
            .setMethod(method)
            .setHost(t.host())
            .setPort(t.port())
            .setSsl(t.ssl())
            .setURI(pathAndQuery);
    p.apiKey().ifPresent(k -> o.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + k));
    if (p.extra().get("organization") instanceof String org) {
      o.putHeader("OpenAI-Organization", org);
    }
    return Optional.of(o);
  }
}

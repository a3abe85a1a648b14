package dev.tollgate.provider;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.anthropic.AnthropicProviderFactory;
import dev.tollgate.provider.azure.AzureProviderFactory;
import dev.tollgate.provider.bedrock.BedrockProviderFactory;
import dev.tollgate.provider.gemini.GeminiProviderFactory;
import dev.tollgate.provider.mock.MockProviderFactory;
import dev.tollgate.provider.openai.OpenAiProviderFactory;
import dev.tollgate.provider.vertex.VertexProviderFactory;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The provider registry: every {@link ProviderFactory} Tollgate ships, and an instance holding the
 * providers of one event loop by LiteLLM provider name. The static side answers config-time
 * questions from any thread; an instance is confined to its event loop.
 */
public final class Providers {
  /**
   * The one place that names the provider sub-packages. An explicit list rather than a {@code
   * ServiceLoader}: it is checked by the compiler, and a name served twice fails at class loading.
   */
  private static final List<ProviderFactory> FACTORIES =
      List.of(
          new MockProviderFactory(),
          new OpenAiProviderFactory(),
          new AnthropicProviderFactory(),
          new AzureProviderFactory(),
          new BedrockProviderFactory(),
          new GeminiProviderFactory(),
          new VertexProviderFactory());

  private static final Map<String, ProviderFactory> BY_NAME = index(FACTORIES);

  private final Map<String, Provider> providers;

  /** Creates each factory's provider for the event loop of {@code vertx}'s current context. */
  public Providers(Vertx vertx, HttpClient client) {
    this(vertx, client, UpstreamLimits.NONE);
  }

  /**
   * As {@link #Providers(Vertx, HttpClient)}, each provider telling {@code limits} what it hears.
   */
  public Providers(Vertx vertx, HttpClient client, UpstreamLimits limits) {
    Map<String, Provider> byName = new HashMap<>();
    for (ProviderFactory f : FACTORIES) {
      Provider p = f.create(vertx, client).hearing(limits);
      for (String name : f.names()) {
        byName.put(name, p);
      }
    }
    this.providers = Map.copyOf(byName);
  }

  /** The provider for a LiteLLM provider name, if Tollgate speaks its wire format. */
  public Optional<Provider> forName(String provider) {
    return Optional.ofNullable(providers.get(provider));
  }

  /** Whether {@link #forName} knows {@code provider}; usable before any event loop exists. */
  public static boolean supports(String provider) {
    return BY_NAME.containsKey(provider);
  }

  /**
   * Checks a deployment against its provider's rules; empty when it can be served or when its
   * provider is not supported at all (see {@link #supports}).
   */
  public static Optional<InvalidParam> validate(LitellmParams params) {
    Optional<InvalidParam> header = headerSafe(params);
    if (header.isPresent()) {
      return header;
    }
    ProviderFactory f = BY_NAME.get(params.provider());
    return f == null ? Optional.empty() : f.validate(params);
  }

  /**
   * Refuses a line break in any value that becomes part of an upstream request's head (the key, the
   * API base, the organization, configured headers): it would split the head, and the request would
   * fail on every call instead of once, at the API, naming the field.
   */
  private static Optional<InvalidParam> headerSafe(LitellmParams p) {
    if (p.apiKey().isPresent() && breaks(p.apiKey().get())) {
      return Optional.of(new InvalidParam("api_key", "must not contain a line break"));
    }
    if (p.apiBase().isPresent() && breaks(p.apiBase().get())) {
      return Optional.of(new InvalidParam("api_base", "must not contain a line break"));
    }
    if (p.apiBase().isPresent() && hasUserInfo(p.apiBase().get())) {
      // Never echoed: the URL carries a password.
      return Optional.of(
          new InvalidParam(
              "api_base", "must not carry credentials (user:pass@); give the key as api_key"));
    }
    for (String key : List.of("organization", "azure_ad_token", "api_version")) {
      if (p.extra().get(key) instanceof String v && breaks(v)) {
        return Optional.of(new InvalidParam(key, "must not contain a line break"));
      }
    }
    if (p.apiVersion().isPresent() && breaks(p.apiVersion().get())) {
      return Optional.of(new InvalidParam("api_version", "must not contain a line break"));
    }
    for (String key : List.of("headers", "extra_headers")) {
      if (p.extra().get(key) instanceof Map<?, ?> m) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (breaks(String.valueOf(e.getKey())) || breaks(String.valueOf(e.getValue()))) {
            return Optional.of(
                new InvalidParam(key + "." + e.getKey(), "must not contain a line break"));
          }
        }
      }
    }
    return Optional.empty();
  }

  /** Whether a URL has a user-info part ({@code user:pass@host}), however it parses. */
  private static boolean hasUserInfo(String url) {
    int scheme = url.indexOf("://");
    int start = scheme < 0 ? 0 : scheme + 3;
    int end = url.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int i = url.indexOf(c, start);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    return url.substring(start, end).indexOf('@') >= 0;
  }

  private static boolean breaks(String s) {
    return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
  }

  private static Map<String, ProviderFactory> index(List<ProviderFactory> factories) {
    Map<String, ProviderFactory> byName = new HashMap<>();
    for (ProviderFactory f : factories) {
      for (String name : f.names()) {
        ProviderFactory other = byName.putIfAbsent(name, f);
        if (other != null) {
          throw new IllegalStateException(
              "provider name '"
                  + name
                  + "' is served by both "
                  + other.getClass().getName()
                  + " and "
                  + f.getClass().getName());
        }
      }
    }
    return Map.copyOf(byName);
  }
}

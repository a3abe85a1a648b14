package dev.tollgate.provider.azure;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.UpstreamRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A deployment's Azure credentials, in LiteLLM's order: an {@code api_key} (sent as {@code
 * api-key}); else a static {@code azure_ad_token}; else Azure AD (Entra ID) client credentials,
 * {@code tenant_id}, {@code client_id} and {@code client_secret}, exchanged for a bearer token.
 *
 * <p>A client-credentials token is fetched from {@code {azure_authority_host}/{tenant_id}/oauth2/
 * v2.0/token} (the authority host defaults to {@value #DEFAULT_AUTHORITY}; LiteLLM and Azure's SDKs
 * read it from {@code AZURE_AUTHORITY_HOST}, which the config can pass as {@code
 * azure_authority_host: os.environ/AZURE_AUTHORITY_HOST}) for the scope {@code azure_scope}
 * (default {@value #DEFAULT_SCOPE}). It is kept per credential and used until shortly before it
 * expires: from {@link #REFRESH_EARLY_MILLIS} before, a new one is fetched in the background while
 * calls go on with the old one; only once the old one is within {@link #EXPIRY_SKEW_MILLIS} of
 * expiring do calls wait for the new one. One fetch per credential is in flight at a time. A failed
 * fetch fails the calls waiting for it with an error naming the deployment (never the secret), and
 * is not retried for {@link #RETRY_AFTER_FAILURE_MILLIS}, so that a wrong secret does not send
 * every request to the token endpoint.
 *
 * <p>One instance per event loop, so tokens are cached per event loop: with one event loop per
 * core, each fetches a token once per token lifetime (about an hour), which costs nothing next to
 * sharing state across threads. Runs on its event loop and never blocks; time comes from the
 * injected clock.
 */
final class AzureAuth {
  static final String API_KEY_HEADER = "api-key";
  static final String AD_TOKEN = "azure_ad_token";
  static final String TENANT_ID = "tenant_id";
  static final String CLIENT_ID = "client_id";
  static final String CLIENT_SECRET = "client_secret";
  static final String AUTHORITY_HOST = "azure_authority_host";
  static final String SCOPE = "azure_scope";

  static final String DEFAULT_AUTHORITY = "https://login.microsoftonline.com";
  static final String DEFAULT_SCOPE = "https://cognitiveservices.azure.com/.default";

  /** How long before its expiry a token is replaced in the background. */
  static final long REFRESH_EARLY_MILLIS = 5 * 60_000;

  /** A token this close to its expiry is no longer sent: it could expire on the way. */
  static final long EXPIRY_SKEW_MILLIS = 60_000;

  /** How long a failed fetch is reported to new calls before the endpoint is asked again. */
  static final long RETRY_AFTER_FAILURE_MILLIS = 5_000;

  /** The longest a token request may take: connecting, and then each silence in the answer. */
  static final long FETCH_TIMEOUT_MILLIS = 10_000;

  private static final int MAX_DETAIL = 300;

  private final HttpClient client;
  private final Clock clock;
  private final Map<ClientCredentials, TokenSource> sources = new HashMap<>();

  AzureAuth(HttpClient client, Clock clock) {
    this.client = requireNonNull(client, "client");
    this.clock = requireNonNull(clock, "clock");
  }

  /** A deployment's Azure AD client credentials; the secret never appears in {@link #toString}. */
  record ClientCredentials(
      String tenantId, String clientId, String clientSecret, String authorityHost, String scope) {
    /** The client credentials of {@code p}, or null when it has an api_key or a static token. */
    static @Nullable ClientCredentials of(LitellmParams p) {
      if (p.apiKey().isPresent()) {
        return null;
      }
      Map<String, Object> x = p.extra();
      if (x.get(AD_TOKEN) instanceof String) {
        return null;
      }
      if (x.get(TENANT_ID) instanceof String tenant
          && x.get(CLIENT_ID) instanceof String id
          && x.get(CLIENT_SECRET) instanceof String secret) {
        return new ClientCredentials(
            tenant,
            id,
            secret,
            x.get(AUTHORITY_HOST) instanceof String a ? a : DEFAULT_AUTHORITY,
            x.get(SCOPE) instanceof String s ? s : DEFAULT_SCOPE);
      }
      return null;
    }

    /** The token endpoint: the authority host, then the tenant's v2.0 token path. */
    String tokenUrl() {
      String host = authorityHost.strip();
      if (!host.startsWith("http://") && !host.startsWith("https://")) {
        host = "https://" + host;
      }
      while (host.endsWith("/")) {
        host = host.substring(0, host.length() - 1);
      }
      return host
          + "/"
          + URLEncoder.encode(tenantId, StandardCharsets.UTF_8)
          + "/oauth2/v2.0/token";
    }

    @Override
    public String toString() {
      return "ClientCredentials[tenant_id=" + tenantId + ", client_id=" + clientId + "]";
    }
  }

  /**
   * What the call must wait for: null when its credential is at hand (an api_key, a static token,
   * or a cached token that is not about to expire), otherwise the fetch of a token.
   */
  @Nullable Future<Void> ready(UpstreamRequest up) {
    ClientCredentials c = ClientCredentials.of(up.params());
    if (c == null) {
      return null;
    }
    return sources.computeIfAbsent(c, TokenSource::new).ready(up.deploymentId());
  }

  /** Puts the call's credential on {@code o}; after {@link #ready} has completed. */
  void apply(UpstreamRequest up, RequestOptions o) {
    LitellmParams p = up.params();
    Optional<String> key = p.apiKey();
    if (key.isPresent()) {
      o.putHeader(API_KEY_HEADER, key.get());
      return;
    }
    if (p.extra().get(AD_TOKEN) instanceof String token) {
      o.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
      return;
    }
    ClientCredentials c = ClientCredentials.of(p);
    TokenSource s = c == null ? null : sources.get(c);
    if (s != null && s.authorization != null) {
      o.putHeader(HttpHeaders.AUTHORIZATION, s.authorization);
    }
  }

  /** One credential's token, its refresh times and its fetch; confined to the event loop. */
  private final class TokenSource {
    private final ClientCredentials credentials;

    /** {@code Bearer <token>}, or null before the first token arrived. */
    @Nullable String authorization;

    /** When to start fetching the next token in the background, in epoch millis. */
    long refreshAt;

    /** From when the token is no longer sent, in epoch millis. */
    long usableUntil;

    /** The fetch in flight, if any. */
    @Nullable Future<Void> fetching;

    /** The last fetch's failure, while it is reported instead of asking again. */
    @Nullable TokenFailure failure;

    long failedAt;

    TokenSource(ClientCredentials credentials) {
      this.credentials = credentials;
    }

    @Nullable Future<Void> ready(String deploymentId) {
      long now = clock.millis();
      if (authorization != null && now < usableUntil) {
        if (now >= refreshAt && fetching == null && !recentlyFailed(now)) {
          fetch();
        }
        return null;
      }
      TokenFailure f = failure;
      if (fetching == null && f != null && recentlyFailed(now)) {
        return Future.failedFuture(f.forDeployment(deploymentId));
      }
      Future<Void> pending = fetching != null ? fetching : fetch();
      return pending.recover(
          e ->
              Future.failedFuture(
                  e instanceof TokenFailure t
                      ? t.forDeployment(deploymentId)
                      : GatewayException.badGateway(
                          "could not get an Azure AD token for deployment " + deploymentId, e)));
    }

    private boolean recentlyFailed(long now) {
      return failure != null && now - failedAt < RETRY_AFTER_FAILURE_MILLIS;
    }

    private Future<Void> fetch() {
      Promise<Void> done = Promise.promise();
      Future<Void> f = done.future();
      fetching = f;
      ClientCredentials c = credentials;
      String form =
          "grant_type=client_credentials&client_id="
              + encode(c.clientId())
              + "&client_secret="
              + encode(c.clientSecret())
              + "&scope="
              + encode(c.scope());
      RequestOptions options;
      try {
        options =
            new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(c.tokenUrl())
                .setConnectTimeout(FETCH_TIMEOUT_MILLIS)
                .setIdleTimeout(FETCH_TIMEOUT_MILLIS)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
                .putHeader(HttpHeaders.ACCEPT, "application/json");
      } catch (RuntimeException e) {
        finish(done, null, TokenFailure.unavailable("the token URL is not valid: " + c.tokenUrl()));
        return f;
      }
      client
          .request(options)
          .compose(req -> req.send(form))
          .compose(resp -> resp.body().map(b -> Token.read(resp.statusCode(), b)))
          .onComplete(
              ar ->
                  finish(
                      done,
                      ar.succeeded() ? ar.result() : null,
                      ar.succeeded() ? null : TokenFailure.from(ar.cause())));
      return f;
    }

    private void finish(Promise<Void> done, @Nullable Token token, @Nullable TokenFailure error) {
      long now = clock.millis();
      fetching = null;
      if (token != null) {
        long lifetime = token.expiresInMillis();
        authorization = "Bearer " + token.accessToken();
        refreshAt = now + lifetime - Math.min(REFRESH_EARLY_MILLIS, lifetime / 2);
        usableUntil = now + lifetime - Math.min(EXPIRY_SKEW_MILLIS, lifetime / 4);
        failure = null;
        done.complete();
      } else {
        TokenFailure e = requireNonNull(error, "error");
        failure = e;
        failedAt = now;
        done.fail(e);
      }
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A token endpoint's answer. */
  private record Token(String accessToken, long expiresInMillis) {
    /** Reads a token endpoint's answer; throws a {@link TokenFailure} for anything else. */
    static Token read(int status, Buffer body) {
      JsonNode node;
      try {
        node = Json.MAPPER.readTree(body.getBytes());
      } catch (IOException e) {
        node = null;
      }
      if (status >= 400) {
        throw TokenFailure.rejected(status, node, body);
      }
      if (node == null || !node.path("access_token").isTextual()) {
        throw TokenFailure.unavailable(
            "the token endpoint answered HTTP " + status + " without an access_token");
      }
      // expires_in is a number in the v2.0 endpoint's answers, a string in older ones.
      JsonNode expires = node.path("expires_in");
      long seconds;
      try {
        seconds = expires.isNumber() ? expires.asLong() : Long.parseLong(expires.asText());
      } catch (NumberFormatException e) {
        throw TokenFailure.unavailable("the token endpoint answered without a valid expires_in");
      }
      if (seconds <= 0) {
        throw TokenFailure.unavailable("the token endpoint answered an expires_in of " + seconds);
      }
      return new Token(node.path("access_token").asText(), seconds * 1000);
    }

    @Override
    public String toString() {
      return "Token[expires_in=" + expiresInMillis / 1000 + "s]";
    }
  }

  /**
   * Why a token could not be had, without the deployment: one fetch serves every deployment that
   * shares the credential. Never carries the secret or the token.
   */
  static final class TokenFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whether the endpoint refused the credentials (401), rather than failing (502). */
    private final boolean rejected;

    private TokenFailure(boolean rejected, String detail) {
      super(detail, null, false, false);
      this.rejected = rejected;
    }

    static TokenFailure unavailable(String detail) {
      return new TokenFailure(false, detail);
    }

    /** An HTTP error from the token endpoint, with Azure AD's error code and description. */
    static TokenFailure rejected(int status, @Nullable JsonNode node, Buffer body) {
      String detail;
      if (node != null && node.path("error").isTextual()) {
        detail = node.path("error").asText();
        String description = node.path("error_description").asText("");
        if (!description.isEmpty()) {
          // Azure AD appends trace and correlation ids on further lines; the first says why.
          detail += ": " + clip(description.lines().findFirst().orElse(""));
        }
      } else {
        detail = clip(body.toString(StandardCharsets.UTF_8).strip());
      }
      String message = "the token endpoint answered HTTP " + status + ": " + detail;
      return new TokenFailure(status < 500 && status != 429, message);
    }

    static TokenFailure from(Throwable e) {
      if (e instanceof TokenFailure t) {
        return t;
      }
      String m = e.getMessage();
      return unavailable(
          "the token endpoint could not be reached: "
              + (m == null ? e.getClass().getSimpleName() : m));
    }

    GatewayException forDeployment(String deploymentId) {
      if (rejected) {
        return GatewayException.of(
            401,
            "authentication_error",
            null,
            "upstream_auth_failed",
            "Azure AD refused the client credentials of deployment "
                + deploymentId
                + ": "
                + getMessage());
      }
      return GatewayException.badGateway(
          "could not get an Azure AD token for deployment " + deploymentId + ": " + getMessage(),
          null);
    }

    private static String clip(String s) {
      return s.length() > MAX_DETAIL ? s.substring(0, MAX_DETAIL) + "..." : s;
    }
  }
}

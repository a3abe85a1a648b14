package dev.tollgate.provider.vertex;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.UpstreamRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A Vertex AI deployment's access token, from its {@code vertex_credentials}: a Google credential
 * file's JSON, given inline (as text or as a YAML object), or the path of such a file; the config
 * resolves {@code os.environ/...} and, for the config file, falls back to {@code
 * GOOGLE_APPLICATION_CREDENTIALS}, as LiteLLM does.
 *
 * <ul>
 *   <li>A service account key ({@code "type": "service_account"}) is exchanged with the JWT-bearer
 *       grant: a JWT with {@code iss} the account's {@code client_email}, {@code aud} its {@code
 *       token_uri}, the {@value #SCOPE} scope and a lifetime of an hour, signed RS256 with its
 *       {@code private_key}, is posted to the {@code token_uri}.
 *   <li>A user's credentials ({@code "type": "authorized_user"}, what {@code gcloud auth
 *       application-default login} writes) are exchanged with the refresh-token grant.
 * </ul>
 *
 * Reading a key file and signing run on a worker thread ({@link Vertx#executeBlocking}); the token
 * request is the event loop's non-blocking client. A token is kept per credential and used until
 * shortly before it expires: from {@link #REFRESH_EARLY_MILLIS} before, a new one is fetched in the
 * background while calls go on with the old one; only once the old one is within {@link
 * #EXPIRY_SKEW_MILLIS} of expiring do calls wait for the new one. One fetch per credential is in
 * flight at a time, however many calls wait for it. A failed fetch fails the calls waiting for it
 * with an error naming the deployment (never a secret), and is not retried for {@link
 * #RETRY_AFTER_FAILURE_MILLIS}. The file is read again at each fetch, so a rotated key is picked up
 * within a token's lifetime.
 *
 * <p>One instance per event loop, as {@code AzureAuth}: each event loop fetches a token once per
 * token lifetime (an hour). Runs on its event loop and never blocks; time comes from the injected
 * clock.
 */
final class VertexAuth {
  static final String CREDENTIALS = "vertex_credentials";
  static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  static final String DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
  static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

  /** The lifetime asked of a signed JWT; Google accepts at most an hour. */
  static final long JWT_LIFETIME_SECONDS = 3600;

  static final long REFRESH_EARLY_MILLIS = 5 * 60_000;
  static final long EXPIRY_SKEW_MILLIS = 60_000;
  static final long RETRY_AFTER_FAILURE_MILLIS = 5_000;
  static final long FETCH_TIMEOUT_MILLIS = 10_000;

  private static final int MAX_DETAIL = 300;

  private final Vertx vertx;
  private final HttpClient client;
  private final Clock clock;
  private final Map<String, TokenSource> sources = new HashMap<>();

  VertexAuth(Vertx vertx, HttpClient client, Clock clock) {
    this.vertx = requireNonNull(vertx, "vertx");
    this.client = requireNonNull(client, "client");
    this.clock = requireNonNull(clock, "clock");
  }

  /** The credential of {@code p} as text (JSON or a path); null when it has none. */
  static @Nullable String credentialOf(LitellmParams p) {
    Object c = p.extra().get(CREDENTIALS);
    if (c instanceof String s && !s.isBlank()) {
      return s.strip();
    }
    if (c instanceof Map<?, ?> m) {
      try {
        return Json.MAPPER.writeValueAsString(m);
      } catch (JsonProcessingException e) {
        return null;
      }
    }
    return null;
  }

  /**
   * What the call must wait for: null when its token is at hand and not about to expire, otherwise
   * the fetch of one.
   */
  @Nullable Future<Void> ready(UpstreamRequest up) {
    String c = credentialOf(up.params());
    if (c == null) {
      return Future.failedFuture(
          GatewayException.of(
              401,
              "authentication_error",
              null,
              "upstream_auth_failed",
              "deployment " + up.deploymentId() + " has no vertex_credentials"));
    }
    return sources.computeIfAbsent(c, TokenSource::new).ready(up.deploymentId());
  }

  /** Puts the call's bearer token on {@code o}; after {@link #ready} has completed. */
  void apply(UpstreamRequest up, RequestOptions o) {
    String c = credentialOf(up.params());
    TokenSource s = c == null ? null : sources.get(c);
    if (s != null && s.authorization != null) {
      o.putHeader(HttpHeaders.AUTHORIZATION, s.authorization);
    }
  }

  /** The {@code project_id} of the call's credential, once it has been read; null otherwise. */
  @Nullable String project(UpstreamRequest up) {
    String c = credentialOf(up.params());
    TokenSource s = c == null ? null : sources.get(c);
    return s == null ? null : s.project;
  }

  /** One credential's token, its refresh times and its fetch; confined to the event loop. */
  private final class TokenSource {
    private final String credential;
    @Nullable String authorization;
    @Nullable String project;
    long refreshAt;
    long usableUntil;
    @Nullable Future<Void> fetching;
    @Nullable TokenFailure failure;
    long failedAt;

    TokenSource(String credential) {
      this.credential = credential;
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
                          "could not get a Vertex AI token for deployment " + deploymentId, e)));
    }

    private boolean recentlyFailed(long now) {
      return failure != null && now - failedAt < RETRY_AFTER_FAILURE_MILLIS;
    }

    private Future<Void> fetch() {
      Promise<Void> done = Promise.promise();
      Future<Void> f = done.future();
      fetching = f;
      String c = credential;
      long nowSeconds = clock.instant().getEpochSecond();
      vertx
          .executeBlocking(() -> Grant.of(c, nowSeconds))
          .compose(
              grant -> {
                project = grant.project();
                RequestOptions options;
                try {
                  options =
                      new RequestOptions()
                          .setMethod(HttpMethod.POST)
                          .setAbsoluteURI(grant.tokenUri())
                          .setConnectTimeout(FETCH_TIMEOUT_MILLIS)
                          .setIdleTimeout(FETCH_TIMEOUT_MILLIS)
                          .putHeader(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
                          .putHeader(HttpHeaders.ACCEPT, "application/json");
                } catch (RuntimeException e) {
                  return Future.failedFuture(
                      TokenFailure.unavailable("the token_uri is not a valid URL"));
                }
                return client
                    .request(options)
                    .compose(req -> req.send(grant.form()))
                    .compose(resp -> resp.body().map(b -> Token.read(resp.statusCode(), b)));
              })
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

  /**
   * What to post to a credential's token endpoint, made on a worker thread (it may read a file, and
   * signs). Never carries the key in its {@link #toString}.
   */
  record Grant(String tokenUri, String form, @Nullable String project) {
    static Grant of(String credential, long nowSeconds) {
      JsonNode json = read(credential);
      String type = json.path("type").asText("");
      String tokenUri = json.path("token_uri").asText(DEFAULT_TOKEN_URI);
      String project =
          json.path("project_id").isTextual() ? json.path("project_id").asText() : null;
      return switch (type) {
        case "service_account" -> {
          String email = field(json, "client_email");
          PrivateKey key = privateKey(field(json, "private_key"));
          String jwt =
              signedJwt(key, json.path("private_key_id").asText(""), email, tokenUri, nowSeconds);
          yield new Grant(
              tokenUri, "grant_type=" + encode(JWT_BEARER) + "&assertion=" + jwt, project);
        }
        case "authorized_user" ->
            new Grant(
                tokenUri,
                "grant_type=refresh_token&client_id="
                    + encode(field(json, "client_id"))
                    + "&client_secret="
                    + encode(field(json, "client_secret"))
                    + "&refresh_token="
                    + encode(field(json, "refresh_token")),
                json.path("quota_project_id").isTextual()
                    ? json.path("quota_project_id").asText()
                    : project);
        default ->
            throw TokenFailure.unavailable(
                "vertex_credentials of type '"
                    + type
                    + "' are not supported; give a service account key (type service_account)"
                    + " or authorized_user credentials");
      };
    }

    /** The credential's JSON: the text itself when it is an object, else the file it names. */
    private static JsonNode read(String credential) {
      String text = credential;
      if (!credential.startsWith("{")) {
        try {
          text = Files.readString(Path.of(credential), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
          throw TokenFailure.unavailable(
              "vertex_credentials is neither a credential's JSON nor a readable file ("
                  + e.getClass().getSimpleName()
                  + ")");
        }
      }
      try {
        JsonNode json = Json.MAPPER.readTree(text);
        if (json != null && json.isObject()) {
          return json;
        }
      } catch (IOException e) {
        // reported below, without the text: it holds a private key
      }
      throw TokenFailure.unavailable("vertex_credentials is not a JSON object");
    }

    private static String field(JsonNode json, String name) {
      JsonNode v = json.path(name);
      if (!v.isTextual() || v.asText().isBlank()) {
        throw TokenFailure.unavailable("vertex_credentials has no " + name);
      }
      return v.asText();
    }

    /** A PKCS#8 PEM private key, as Google's key files hold it. */
    static PrivateKey privateKey(String pem) {
      String base64 =
          pem.replace("-----BEGIN PRIVATE KEY-----", "")
              .replace("-----END PRIVATE KEY-----", "")
              .replaceAll("\\s", "");
      try {
        byte[] der = Base64.getDecoder().decode(base64);
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw TokenFailure.unavailable(
            "the private_key of vertex_credentials is not a PKCS#8 RSA key in PEM");
      }
    }

    /** The RS256-signed JWT assertion of the JWT-bearer grant. */
    static String signedJwt(
        PrivateKey key, String keyId, String email, String audience, long nowSeconds) {
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String header =
          Json.MAPPER
              .createObjectNode()
              .put("alg", "RS256")
              .put("typ", "JWT")
              .put("kid", keyId)
              .toString();
      String claims =
          Json.MAPPER
              .createObjectNode()
              .put("iss", email)
              .put("scope", SCOPE)
              .put("aud", audience)
              .put("iat", nowSeconds)
              .put("exp", nowSeconds + JWT_LIFETIME_SECONDS)
              .toString();
      String signingInput =
          b64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
              + "."
              + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
      try {
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(s.sign());
      } catch (GeneralSecurityException e) {
        throw TokenFailure.unavailable("could not sign the JWT: " + e.getClass().getSimpleName());
      }
    }

    @Override
    public String toString() {
      return "Grant[token_uri=" + tokenUri + "]";
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A token endpoint's answer. */
  private record Token(String accessToken, long expiresInMillis) {
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
   * shares the credential. Never carries a key, a secret or a token.
   */
  static final class TokenFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean rejected;

    private TokenFailure(boolean rejected, String detail) {
      super(detail, null, false, false);
      this.rejected = rejected;
    }

    static TokenFailure unavailable(String detail) {
      return new TokenFailure(false, detail);
    }

    /** An HTTP error from the token endpoint, with its OAuth error and description. */
    static TokenFailure rejected(int status, @Nullable JsonNode node, Buffer body) {
      String detail;
      if (node != null && node.path("error").isTextual()) {
        detail = node.path("error").asText();
        String description = node.path("error_description").asText("");
        if (!description.isEmpty()) {
          detail += ": " + clip(description);
        }
      } else {
        detail = clip(body.toString(StandardCharsets.UTF_8).strip());
      }
      return new TokenFailure(
          status < 500 && status != 429,
          "the token endpoint answered HTTP " + status + ": " + detail);
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
            "Google refused the vertex_credentials of deployment "
                + deploymentId
                + ": "
                + getMessage());
      }
      return GatewayException.badGateway(
          "could not get a Vertex AI token for deployment " + deploymentId + ": " + getMessage(),
          null);
    }

    private static String clip(String s) {
      return s.length() > MAX_DETAIL ? s.substring(0, MAX_DETAIL) + "..." : s;
    }
  }
}

package dev.tollgate.provider.vertex;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.BearerTokens;
import dev.tollgate.provider.BearerTokens.TokenRequest;
import dev.tollgate.provider.UpstreamRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
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
 * is asked for, cached and refreshed per credential by {@link BearerTokens}. The file is read again
 * at each fetch, so a rotated key is picked up within a token's lifetime.
 *
 * <p>One instance per event loop; runs on it and never blocks.
 */
final class VertexAuth {
  static final String CREDENTIALS = "vertex_credentials";
  static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  static final String DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
  static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

  /** The lifetime asked of a signed JWT; Google accepts at most an hour. */
  static final long JWT_LIFETIME_SECONDS = 3600;

  private final Vertx vertx;
  private final Clock clock;
  private final BearerTokens<String> tokens;

  /** Each credential's {@code project_id}, once its token was asked for; on the event loop. */
  private final Map<String, String> projects = new HashMap<>();

  VertexAuth(Vertx vertx, HttpClient client, Clock clock) {
    this.vertx = requireNonNull(vertx, "vertx");
    this.clock = requireNonNull(clock, "clock");
    this.tokens =
        new BearerTokens<>(
            client,
            clock,
            this::grant,
            new BearerTokens.Wording("Vertex AI", "Google refused the vertex_credentials"));
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
    return tokens.ready(c, up.deploymentId());
  }

  /** Puts the call's bearer token on {@code o}; after {@link #ready} has completed. */
  void apply(UpstreamRequest up, RequestOptions o) {
    String c = credentialOf(up.params());
    String authorization = c == null ? null : tokens.authorization(c);
    if (authorization != null) {
      o.putHeader(HttpHeaders.AUTHORIZATION, authorization);
    }
  }

  /** The {@code project_id} of the call's credential, once it has been read; null otherwise. */
  @Nullable String project(UpstreamRequest up) {
    String c = credentialOf(up.params());
    return c == null ? null : projects.get(c);
  }

  /**
   * The token request of {@code credential}, made on a worker (it may read a file, and signs); its
   * project is kept once the request is made, on the event loop.
   */
  private Future<TokenRequest> grant(String credential) {
    long nowSeconds = clock.instant().getEpochSecond();
    return vertx
        .executeBlocking(() -> Grant.of(credential, nowSeconds))
        .map(
            made -> {
              Grant g = requireNonNull(made, "grant");
              String project = g.project();
              if (project != null) {
                projects.put(credential, project);
              } else {
                projects.remove(credential);
              }
              return new TokenRequest(g.tokenUri(), g.form());
            });
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
            throw BearerTokens.TokenFailure.unavailable(
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
          throw BearerTokens.TokenFailure.unavailable(
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
      throw BearerTokens.TokenFailure.unavailable("vertex_credentials is not a JSON object");
    }

    private static String field(JsonNode json, String name) {
      JsonNode v = json.path(name);
      if (!v.isTextual() || v.asText().isBlank()) {
        throw BearerTokens.TokenFailure.unavailable("vertex_credentials has no " + name);
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
        throw BearerTokens.TokenFailure.unavailable(
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
        throw BearerTokens.TokenFailure.unavailable(
            "could not sign the JWT: " + e.getClass().getSimpleName());
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
}

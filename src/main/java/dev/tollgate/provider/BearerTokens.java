package dev.tollgate.provider;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Bearer tokens from an OAuth 2.0 token endpoint, one per credential: Azure AD's client
 * credentials, Google's service accounts and user credentials. What to post is the provider's
 * ({@link Grants}); asking, caching, refreshing and reporting failures are here.
 *
 * <p>A token is used until shortly before it expires: from {@link #REFRESH_EARLY_MILLIS} before, a
 * new one is fetched in the background while calls go on with the old one; only once the old one is
 * within {@link #EXPIRY_SKEW_MILLIS} of expiring do calls wait for the new one. One fetch per
 * credential is in flight at a time, however many calls wait for it. A failed fetch fails the calls
 * waiting for it with an error naming the deployment (never a secret), and is not retried for
 * {@link #RETRY_AFTER_FAILURE_MILLIS}, so that a wrong secret does not send every request to the
 * token endpoint.
 *
 * <p>One instance per event loop: with one event loop per core, each fetches a token once per token
 * lifetime (about an hour), which costs nothing next to sharing state across threads. Confined to
 * its event loop and never blocks; time comes from the injected clock.
 *
 * @param <C> a credential, the cache's key: equal credentials share a token
 */
public final class BearerTokens<C> {
  /** How long before its expiry a token is replaced in the background. */
  public static final long REFRESH_EARLY_MILLIS = 5 * 60_000;

  /** A token this close to its expiry is no longer sent: it could expire on the way. */
  public static final long EXPIRY_SKEW_MILLIS = 60_000;

  /** How long a failed fetch is reported to new calls before the endpoint is asked again. */
  public static final long RETRY_AFTER_FAILURE_MILLIS = 5_000;

  /** The longest a token request may take: connecting, and then each silence in the answer. */
  public static final long FETCH_TIMEOUT_MILLIS = 10_000;

  private static final int MAX_DETAIL = 300;

  /** What to post for a token: a form to the endpoint at {@code uri}. */
  public record TokenRequest(String uri, String form) {
    public TokenRequest {
      requireNonNull(uri, "uri");
      requireNonNull(form, "form");
    }

    /** Never the form: it carries a secret or a signed assertion. */
    @Override
    public String toString() {
      return "TokenRequest[uri=" + uri + "]";
    }
  }

  /** How a provider asks for a credential's token. */
  public interface Grants<C> {
    /**
     * The request for a new token of {@code credential}, completed on the caller's event loop (work
     * that blocks, such as reading a key file, goes to a worker); fails with a {@link
     * TokenFailure}.
     */
    Future<TokenRequest> request(C credential);
  }

  /**
   * How the provider's failures read.
   *
   * @param service the token's service in a 502, as "could not get a {service} token for deployment
   *     X"
   * @param refusal what a 401 says was refused, as "{refusal} of deployment X"
   */
  public record Wording(String service, String refusal) {}

  private final HttpClient client;
  private final Clock clock;
  private final Grants<C> grants;
  private final Wording wording;
  private final Map<C, Source> sources = new HashMap<>();

  public BearerTokens(HttpClient client, Clock clock, Grants<C> grants, Wording wording) {
    this.client = requireNonNull(client, "client");
    this.clock = requireNonNull(clock, "clock");
    this.grants = requireNonNull(grants, "grants");
    this.wording = requireNonNull(wording, "wording");
  }

  /**
   * What a call for {@code deploymentId} must wait for: null when the token of {@code credential}
   * is at hand and not about to expire, otherwise the fetch of one.
   */
  public @Nullable Future<Void> ready(C credential, String deploymentId) {
    return sources.computeIfAbsent(credential, Source::new).ready(deploymentId);
  }

  /** {@code Bearer <token>} for {@code credential}, after {@link #ready}; null before any token. */
  public @Nullable String authorization(C credential) {
    Source s = sources.get(credential);
    return s == null ? null : s.authorization;
  }

  /** One credential's token, its refresh times and its fetch. */
  private final class Source {
    private final C credential;

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

    Source(C credential) {
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
        return Future.failedFuture(forDeployment(f, deploymentId));
      }
      Future<Void> pending = fetching != null ? fetching : fetch();
      return pending.recover(e -> Future.failedFuture(forDeployment(e, deploymentId)));
    }

    private boolean recentlyFailed(long now) {
      return failure != null && now - failedAt < RETRY_AFTER_FAILURE_MILLIS;
    }

    private Future<Void> fetch() {
      Promise<Void> done = Promise.promise();
      Future<Void> f = done.future();
      fetching = f;
      grants
          .request(credential)
          .compose(BearerTokens.this::post)
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

  private Future<Token> post(TokenRequest r) {
    RequestOptions options;
    try {
      options =
          new RequestOptions()
              .setMethod(HttpMethod.POST)
              .setAbsoluteURI(r.uri())
              .setConnectTimeout(FETCH_TIMEOUT_MILLIS)
              .setIdleTimeout(FETCH_TIMEOUT_MILLIS)
              .putHeader(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
              .putHeader(HttpHeaders.ACCEPT, "application/json");
    } catch (RuntimeException e) {
      return Future.failedFuture(
          TokenFailure.unavailable("the token endpoint's URL is not valid: " + r.uri()));
    }
    return client
        .request(options)
        .compose(req -> req.send(r.form()))
        .compose(resp -> resp.body().map(b -> Token.read(resp.statusCode(), b)));
  }

  private GatewayException forDeployment(Throwable e, String deploymentId) {
    if (e instanceof TokenFailure t && t.rejected) {
      return GatewayException.of(
          401,
          "authentication_error",
          null,
          "upstream_auth_failed",
          wording.refusal() + " of deployment " + deploymentId + ": " + t.getMessage());
    }
    String prefix = "could not get " + article(wording.service()) + " token for deployment ";
    return e instanceof TokenFailure t
        ? GatewayException.badGateway(prefix + deploymentId + ": " + t.getMessage(), null)
        : GatewayException.badGateway(prefix + deploymentId, e);
  }

  private static String article(String noun) {
    return ("AEIOU".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
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
      // expires_in is a number in current answers, a string in Azure AD's older ones.
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
  public static final class TokenFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whether the endpoint refused the credentials (a 401 to the caller), rather than failing. */
    private final boolean rejected;

    private TokenFailure(boolean rejected, String detail) {
      super(detail, null, false, false);
      this.rejected = rejected;
    }

    /** The token could not be asked for or read; a 502 to the caller. */
    public static TokenFailure unavailable(String detail) {
      return new TokenFailure(false, detail);
    }

    /** An HTTP error from the token endpoint, with its OAuth error and description. */
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

    private static String clip(String s) {
      return s.length() > MAX_DETAIL ? s.substring(0, MAX_DETAIL) + "..." : s;
    }
  }
}

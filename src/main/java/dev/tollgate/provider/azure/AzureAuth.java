package dev.tollgate.provider.azure;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.BearerTokens;
import dev.tollgate.provider.BearerTokens.TokenRequest;
import dev.tollgate.provider.UpstreamRequest;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
 * (default {@value #DEFAULT_SCOPE}), and cached and refreshed per credential by {@link
 * BearerTokens}.
 *
 * <p>One instance per event loop; runs on it and never blocks.
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

  private final BearerTokens<ClientCredentials> tokens;

  AzureAuth(HttpClient client, Clock clock) {
    this.tokens =
        new BearerTokens<>(
            client,
            clock,
            AzureAuth::grant,
            new BearerTokens.Wording("Azure AD", "Azure AD refused the client credentials"));
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
    return tokens.ready(c, up.deploymentId());
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
    String authorization = c == null ? null : tokens.authorization(c);
    if (authorization != null) {
      o.putHeader(HttpHeaders.AUTHORIZATION, authorization);
    }
  }

  /** The token request of client credentials: Azure AD's v2.0 client-credentials grant. */
  private static Future<TokenRequest> grant(ClientCredentials c) {
    return Future.succeededFuture(
        new TokenRequest(
            c.tokenUrl(),
            "grant_type=client_credentials&client_id="
                + encode(c.clientId())
                + "&client_secret="
                + encode(c.clientSecret())
                + "&scope="
                + encode(c.scope())));
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}

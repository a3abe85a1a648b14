package dev.tollgate.provider.azure;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.InvalidParam;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.ProviderFactory;
import dev.tollgate.provider.UpstreamCall;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Registers Azure OpenAI for {@code azure/<deployment>} ({@code azure_text} too: LiteLLM's name for
 * text completions on Azure, which are the same wire). A deployment must name its resource ({@code
 * api_base}); its credentials are an {@code api_key}, an {@code azure_ad_token}, or all of {@code
 * tenant_id}, {@code client_id} and {@code client_secret}. Stateless.
 */
public final class AzureProviderFactory implements ProviderFactory {
  private static final Set<String> NAMES = Set.of("azure", "azure_text");

  /** Azure's deployment names; anything else would need escaping in the path. */
  private static final Pattern DEPLOYMENT = Pattern.compile("[A-Za-z0-9._-]+");

  private static final List<String> CLIENT_CREDENTIALS =
      List.of(AzureAuth.TENANT_ID, AzureAuth.CLIENT_ID, AzureAuth.CLIENT_SECRET);

  @Override
  public Set<String> names() {
    return NAMES;
  }

  @Override
  public Optional<InvalidParam> validate(LitellmParams params) {
    if (params.apiBase().isEmpty()) {
      return Optional.of(
          new InvalidParam(
              "api_base",
              "is required for provider "
                  + params.provider()
                  + ": the resource endpoint, such as https://my-resource.openai.azure.com"));
    }
    if (!DEPLOYMENT.matcher(params.providerModel()).matches()) {
      return Optional.of(
          new InvalidParam(
              "model",
              "must be "
                  + params.provider()
                  + "/<deployment>, a deployment name of letters, digits, '.', '_' and '-'; got '"
                  + params.model()
                  + "'"));
    }
    for (String key :
        List.of(
            AzureAuth.AD_TOKEN,
            AzureAuth.TENANT_ID,
            AzureAuth.CLIENT_ID,
            AzureAuth.CLIENT_SECRET,
            AzureAuth.AUTHORITY_HOST,
            AzureAuth.SCOPE)) {
      Object v = params.extra().get(key);
      if (v != null && !(v instanceof String s && !s.isBlank())) {
        return Optional.of(new InvalidParam(key, "must be a non-empty string"));
      }
    }
    boolean staticCredential =
        params.apiKey().isPresent() || params.extra().containsKey(AzureAuth.AD_TOKEN);
    long given = CLIENT_CREDENTIALS.stream().filter(params.extra()::containsKey).count();
    if (!staticCredential && given > 0 && given < CLIENT_CREDENTIALS.size()) {
      String missing =
          CLIENT_CREDENTIALS.stream()
              .filter(k -> !params.extra().containsKey(k))
              .findFirst()
              .orElseThrow();
      return Optional.of(
          new InvalidParam(
              missing,
              "is required for Azure AD client credentials, with "
                  + String.join(", ", CLIENT_CREDENTIALS)
                  + " (or set api_key or azure_ad_token instead)"));
    }
    if (!staticCredential && given == 0) {
      return Optional.of(
          new InvalidParam(
              "api_key",
              "is required for provider "
                  + params.provider()
                  + " unless azure_ad_token, or tenant_id, client_id and client_secret, are set;"
                  + " such as api_key: os.environ/AZURE_API_KEY"));
    }
    if (params.extra().get(AzureAuth.AUTHORITY_HOST) instanceof String host) {
      try {
        URI u = new URI(host.contains("://") ? host : "https://" + host);
        if (u.getHost() == null
            || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
          throw new URISyntaxException(host, "needs a host");
        }
      } catch (URISyntaxException e) {
        return Optional.of(
            new InvalidParam(
                AzureAuth.AUTHORITY_HOST,
                "is not a valid URL, such as https://login.microsoftonline.com: '" + host + "'"));
      }
    }
    return Optional.empty();
  }

  @Override
  public Provider create(Vertx vertx, HttpClient client) {
    return new UpstreamCall(vertx, client, new AzureWire(new AzureAuth(client, Clock.systemUTC())));
  }
}

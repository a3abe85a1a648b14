package dev.tollgate.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.InvalidParam;
import dev.tollgate.provider.Providers;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.proxy.ParsedRequests;
import io.vertx.core.Vertx;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How an Azure call is addressed and authenticated, read from the request options the format
 * builds: the deployment and v1 URL forms, the API version defaults, and the credential forms; and
 * the checks a deployment must pass when the config is read.
 */
class AzureWireTest {
  private static final String BASE = "https://my-resource.openai.azure.com";

  private static Vertx vertx;
  private static AzureWire wire;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    wire = new AzureWire(new AzureAuth(vertx.createHttpClient(), Clock.systemUTC()));
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @CsvSource(
      nullValues = "-",
      value = {
        // api_base, api_version, endpoint: the path and query called
        BASE
            + ", 2024-10-21, CHAT,"
            + " /openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21",
        BASE
            + "/, 2024-10-21, COMPLETIONS,"
            + " /openai/deployments/gpt-4o-prod/completions?api-version=2024-10-21",
        BASE
            + ", 2024-10-21, EMBEDDINGS,"
            + " /openai/deployments/gpt-4o-prod/embeddings?api-version=2024-10-21",
        BASE
            + ", -, CHAT,"
            + " /openai/deployments/gpt-4o-prod/chat/completions?api-version=2025-02-01-preview",
        BASE + ", 2025-04-01-preview, RESPONSES, /openai/responses?api-version=2025-04-01-preview",
        BASE + ", -, RESPONSES, /openai/v1/responses?api-version=preview",
        BASE + ", v1, CHAT, /openai/v1/chat/completions",
        BASE + ", v1, EMBEDDINGS, /openai/v1/embeddings",
        BASE + ", latest, CHAT, /openai/v1/chat/completions?api-version=latest",
        BASE + ", preview, RESPONSES, /openai/v1/responses?api-version=preview",
        BASE + "/openai/v1, -, CHAT, /openai/v1/chat/completions",
        BASE + "/openai/v1/, 2024-10-21, RESPONSES, /openai/v1/responses",
        "https://apim.example.com/aoai, 2024-10-21, CHAT,"
            + " /aoai/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21",
      })
  void request_urlForms_pathAndQuery(
      String apiBase, @Nullable String apiVersion, Endpoint endpoint, String expected) {
    RequestOptions o =
        wire.request(up(endpoint, params(apiBase, Optional.ofNullable(apiVersion), "k", Map.of())));

    assertThat(o.getURI()).isEqualTo(expected);
    assertThat(o.getHost()).isIn("my-resource.openai.azure.com", "apim.example.com");
    assertThat(o.getPort()).isEqualTo(443);
    assertThat(o.isSsl()).isTrue();
  }

  @Test
  void request_plainHttpBaseWithPort_addressesIt() {
    RequestOptions o =
        wire.request(
            up(Endpoint.CHAT, params("http://127.0.0.1:8080", Optional.of("v1"), "k", Map.of())));

    assertThat(o.getHost()).isEqualTo("127.0.0.1");
    assertThat(o.getPort()).isEqualTo(8080);
    assertThat(o.isSsl()).isFalse();
  }

  @Test
  void body_v1_carriesTheDeploymentAsModel() {
    UpstreamRequest up = up(Endpoint.CHAT, params(BASE, Optional.of("v1"), "k", Map.of()));

    assertThat(wire.body(up).toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"model\":\"gpt-4o-prod\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
  }

  @Test
  void request_apiKey_sentAsApiKeyHeaderOnly() {
    RequestOptions o =
        wire.request(up(Endpoint.CHAT, params(BASE, Optional.empty(), "azure-key", Map.of())));

    assertThat(o.getHeaders().get("api-key")).isEqualTo("azure-key");
    assertThat(o.getHeaders().get("authorization")).isNull();
  }

  @Test
  void request_staticAdToken_sentAsBearer() {
    UpstreamRequest up =
        up(Endpoint.CHAT, params(BASE, Optional.empty(), null, Map.of("azure_ad_token", "eyJ0")));

    assertThat(wire.ready(up)).isNull();
    RequestOptions o = wire.request(up);
    assertThat(o.getHeaders().get("authorization")).isEqualTo("Bearer eyJ0");
    assertThat(o.getHeaders().get("api-key")).isNull();
  }

  @Test
  void request_apiKeyAndAdToken_apiKeyWinsAsInLiteLlm() {
    UpstreamRequest up =
        up(Endpoint.CHAT, params(BASE, Optional.empty(), "azure-key", clientCredentials()));

    assertThat(wire.ready(up)).isNull();
    RequestOptions o = wire.request(up);
    assertThat(o.getHeaders().get("api-key")).isEqualTo("azure-key");
    assertThat(o.getHeaders().get("authorization")).isNull();
  }

  @Test
  void ready_clientCredentialsWithoutToken_waitsForOne() throws Exception {
    Map<String, Object> creds = new HashMap<>(clientCredentials());
    creds.put("azure_authority_host", "http://127.0.0.1:1");
    UpstreamRequest up = up(Endpoint.CHAT, params(BASE, Optional.empty(), null, creds));
    java.util.concurrent.CompletableFuture<Boolean> waits =
        new java.util.concurrent.CompletableFuture<>();
    vertx.runOnContext(v -> waits.complete(wire.ready(up) != null));

    assertThat(waits.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void clientCredentials_toString_hidesTheSecret() {
    AzureAuth.ClientCredentials c =
        AzureAuth.ClientCredentials.of(params(BASE, Optional.empty(), null, clientCredentials()));

    assertThat(c).isNotNull();
    assertThat(String.valueOf(c)).contains("tenant-1").doesNotContain("s3cret");
    assertThat(java.util.Objects.requireNonNull(c).tokenUrl())
        .isEqualTo("https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token");
  }

  @Test
  void validate_wellFormedDeployments_empty() {
    assertThat(Providers.validate(params(BASE, Optional.empty(), "k", Map.of()))).isEmpty();
    assertThat(Providers.validate(params(BASE, Optional.empty(), null, clientCredentials())))
        .isEmpty();
    assertThat(
            Providers.validate(
                params(BASE, Optional.empty(), null, Map.of("azure_ad_token", "eyJ0"))))
        .isEmpty();
  }

  @Test
  void validate_noApiBase_namesApiBase() {
    LitellmParams p = params(BASE, Optional.empty(), "k", Map.of());
    LitellmParams noBase =
        new LitellmParams(
            p.model(),
            p.provider(),
            p.providerModel(),
            Optional.empty(),
            p.apiKey(),
            p.apiVersion(),
            OptionalLong.empty(),
            OptionalLong.empty(),
            OptionalInt.empty(),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Optional.empty(),
            1,
            Map.of(),
            Map.of());

    assertThat(Providers.validate(noBase))
        .hasValueSatisfying(i -> assertThat(i.param()).isEqualTo("api_base"));
  }

  @Test
  void validate_partialClientCredentials_namesTheMissingKey() {
    Map<String, Object> partial = new HashMap<>(clientCredentials());
    partial.remove("client_secret");

    assertThat(Providers.validate(params(BASE, Optional.empty(), null, partial)))
        .hasValueSatisfying(
            i -> {
              assertThat(i.param()).isEqualTo("client_secret");
              assertThat(i.problem()).contains("tenant_id, client_id, client_secret");
            });
  }

  @Test
  void validate_noCredentialAtAll_namesApiKey() {
    Optional<InvalidParam> invalid =
        Providers.validate(params(BASE, Optional.empty(), null, Map.of()));

    assertThat(invalid).hasValueSatisfying(i -> assertThat(i.param()).isEqualTo("api_key"));
  }

  @Test
  void validate_deploymentNeedingEscapes_namesModel() {
    LitellmParams p = params(BASE, Optional.empty(), "k", Map.of());
    LitellmParams bad =
        new LitellmParams(
            "azure/my deployment?x",
            "azure",
            "my deployment?x",
            p.apiBase(),
            p.apiKey(),
            p.apiVersion(),
            OptionalLong.empty(),
            OptionalLong.empty(),
            OptionalInt.empty(),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Optional.empty(),
            1,
            Map.of(),
            Map.of());

    assertThat(Providers.validate(bad))
        .hasValueSatisfying(i -> assertThat(i.param()).isEqualTo("model"));
  }

  @Test
  void validate_authorityHostNotAUrl_namesIt() {
    Map<String, Object> creds = new HashMap<>(clientCredentials());
    creds.put("azure_authority_host", "ftp://login");

    assertThat(Providers.validate(params(BASE, Optional.empty(), null, creds)))
        .hasValueSatisfying(i -> assertThat(i.param()).isEqualTo("azure_authority_host"));
  }

  @Test
  void supports_azureNames_true() {
    assertThat(Providers.supports("azure")).isTrue();
    assertThat(Providers.supports("azure_text")).isTrue();
  }

  private static Map<String, Object> clientCredentials() {
    return Map.of("tenant_id", "tenant-1", "client_id", "client-1", "client_secret", "s3cret");
  }

  static LitellmParams params(
      String apiBase,
      Optional<String> apiVersion,
      @Nullable String apiKey,
      Map<String, Object> extra) {
    return new LitellmParams(
        "azure/gpt-4o-prod",
        "azure",
        "gpt-4o-prod",
        Optional.of(apiBase),
        Optional.ofNullable(apiKey),
        apiVersion,
        OptionalLong.empty(),
        OptionalLong.empty(),
        OptionalInt.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        1,
        Map.of(),
        extra);
  }

  private static UpstreamRequest up(Endpoint endpoint, LitellmParams params) {
    String body =
        switch (endpoint) {
          case CHAT -> "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
          case COMPLETIONS -> "{\"model\":\"g\",\"prompt\":\"x\"}";
          case EMBEDDINGS, RESPONSES -> "{\"model\":\"g\",\"input\":\"x\"}";
          case MESSAGES, GENERATE_CONTENT, CONVERSE ->
              throw new IllegalArgumentException("not an Azure endpoint");
        };
    return new UpstreamRequest(
        ParsedRequests.parse(endpoint, body),
        "d1",
        params,
        5_000,
        new Cancellation(),
        OptionalLong.empty());
  }
}

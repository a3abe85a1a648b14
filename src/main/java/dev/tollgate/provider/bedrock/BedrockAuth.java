package dev.tollgate.provider.bedrock;

import dev.tollgate.config.LitellmParams;
import io.vertx.core.http.RequestOptions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * A Bedrock call's credentials, and the headers they put on it. Either a Bedrock API key, sent as
 * {@code Authorization: Bearer} and not signed, or AWS access keys, with which the call is signed
 * with SigV4 for the service {@code bedrock} by AWS's own signer ({@link AwsV4HttpSigner}), the
 * body's SHA-256 included.
 *
 * <p>The first of these wins: {@code api_key}; {@code aws_access_key_id} with {@code
 * aws_secret_access_key} (and {@code aws_session_token}); {@code AWS_BEARER_TOKEN_BEDROCK}; {@code
 * AWS_ACCESS_KEY_ID} with {@code AWS_SECRET_ACCESS_KEY} (and {@code AWS_SESSION_TOKEN}). The
 * environment is the one read when the provider was made. Signing is a few HMACs over bytes in
 * memory, so it runs on the event loop. Stateless but for the clock; thread-safe.
 */
final class BedrockAuth {
  static final String SERVICE = "bedrock";

  private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

  /** What a deployment authenticates with. */
  sealed interface Credentials {}

  /** A Bedrock API key. */
  record Bearer(String token) implements Credentials {
    /** Never the key, should this end up in a log. */
    @Override
    public String toString() {
      return "Bearer[token=" + dev.tollgate.provider.Redaction.REDACTED + "]";
    }
  }

  /** AWS access keys; {@code sessionToken} for temporary ones. */
  record Keys(String accessKeyId, String secretAccessKey, @Nullable String sessionToken)
      implements Credentials {
    /** The key id only, should this end up in a log. */
    @Override
    public String toString() {
      return "Keys[accessKeyId=" + accessKeyId + ", secretAccessKey, sessionToken redacted]";
    }
  }

  private final Clock clock;
  private final Map<String, String> env;

  BedrockAuth(Clock clock, Map<String, String> env) {
    this.clock = clock;
    this.env = Map.copyOf(env);
  }

  Map<String, String> env() {
    return env;
  }

  /** The deployment's credentials; empty when neither its params nor the environment give any. */
  static Optional<Credentials> credentials(LitellmParams p, Map<String, String> env) {
    if (p.apiKey().isPresent()) {
      return Optional.of(new Bearer(p.apiKey().get()));
    }
    String id = string(p.extra().get("aws_access_key_id"));
    String secret = string(p.extra().get("aws_secret_access_key"));
    if (id != null && secret != null) {
      return Optional.of(new Keys(id, secret, string(p.extra().get("aws_session_token"))));
    }
    String bearer = string(env.get("AWS_BEARER_TOKEN_BEDROCK"));
    if (bearer != null) {
      return Optional.of(new Bearer(bearer));
    }
    id = string(env.get("AWS_ACCESS_KEY_ID"));
    secret = string(env.get("AWS_SECRET_ACCESS_KEY"));
    if (id != null && secret != null) {
      return Optional.of(new Keys(id, secret, string(env.get("AWS_SESSION_TOKEN"))));
    }
    return Optional.empty();
  }

  /**
   * Puts the credential headers on {@code o}, a POST of {@code body} to {@code t} at {@code path}
   * whose other headers are already set. Without credentials the call goes out unsigned, and AWS's
   * 403 says so.
   */
  void authenticate(RequestOptions o, LitellmParams p, BedrockTarget t, String path, byte[] body) {
    Optional<Credentials> c = credentials(p, env);
    if (c.isEmpty()) {
      return;
    }
    switch (c.get()) {
      case Bearer b -> o.putHeader("authorization", "Bearer " + b.token());
      case Keys k -> sign(o, k, t, path, body, clock);
    }
  }

  /**
   * Signs a POST: the request as the signer sees it is the one Vert.x sends (scheme, host, port,
   * the encoded path, and the headers already on {@code o}), and the headers it adds ({@code
   * x-amz-date}, {@code x-amz-security-token}, {@code authorization}...) are copied onto {@code o}.
   */
  static void sign(
      RequestOptions o, Keys k, BedrockTarget t, String path, byte[] body, Clock clock) {
    SdkHttpRequest.Builder req =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.POST)
            .protocol(t.ssl() ? "https" : "http")
            .host(t.host())
            .port(t.port())
            .encodedPath(path);
    if (o.getHeaders() != null) {
      o.getHeaders().forEach(e -> req.appendHeader(e.getKey(), e.getValue()));
    }
    AwsCredentialsIdentity identity =
        k.sessionToken() == null
            ? AwsCredentialsIdentity.create(k.accessKeyId(), k.secretAccessKey())
            : AwsSessionCredentialsIdentity.create(
                k.accessKeyId(), k.secretAccessKey(), k.sessionToken());
    SignedRequest signed =
        SIGNER.sign(
            r ->
                r.identity(identity)
                    .request(req.build())
                    .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                    .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                    .putProperty(AwsV4HttpSigner.REGION_NAME, t.region())
                    .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, true)
                    .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    for (Map.Entry<String, List<String>> e : signed.request().headers().entrySet()) {
      if (e.getKey().equalsIgnoreCase("host")) {
        continue; // Vert.x sends the same host (and port, when not the default) itself
      }
      o.putHeader(e.getKey(), List.<CharSequence>copyOf(e.getValue()));
    }
  }

  private static @Nullable String string(@Nullable Object v) {
    return v instanceof String s && !s.isBlank() ? s : null;
  }
}

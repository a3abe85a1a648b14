package dev.tollgate.provider.bedrock;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.InvalidParam;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.ProviderFactory;
import dev.tollgate.provider.UpstreamCall;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Registers AWS Bedrock as {@code bedrock}, for {@code bedrock/<model id>}, a cross-region
 * inference profile ({@code bedrock/us.anthropic...}) or an ARN, and LiteLLM's {@code
 * bedrock/converse/<id>} form. The environment ({@code AWS_REGION}, {@code AWS_ACCESS_KEY_ID},
 * {@code AWS_BEARER_TOKEN_BEDROCK}...) is read once, when the factory is made at start-up, and
 * fills in what a deployment's params leave out. A deployment must have credentials from one or the
 * other: {@code aws_profile_name} and {@code aws_role_name}, which need the AWS credential chain or
 * STS, are refused. Stateless after construction.
 */
public final class BedrockProviderFactory implements ProviderFactory {
  private static final List<String> STRING_KEYS =
      List.of(
          "aws_access_key_id",
          "aws_secret_access_key",
          "aws_session_token",
          "aws_region_name",
          "aws_bedrock_runtime_endpoint");

  private final Map<String, String> env;

  public BedrockProviderFactory() {
    this(System.getenv());
  }

  /** With {@code env} standing for the process environment. */
  public BedrockProviderFactory(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public Set<String> names() {
    return Set.of("bedrock");
  }

  @Override
  public Optional<InvalidParam> validate(LitellmParams params) {
    for (String key : STRING_KEYS) {
      Object v = params.extra().get(key);
      if (v != null && !(v instanceof String s && !s.isBlank() && !s.contains("\n"))) {
        return Optional.of(new InvalidParam(key, "must be a non-empty string on one line"));
      }
    }
    for (String key : List.of("aws_profile_name", "aws_role_name")) {
      if (params.extra().containsKey(key)) {
        return Optional.of(
            new InvalidParam(
                key,
                "is not supported: give aws_access_key_id and aws_secret_access_key (and"
                    + " aws_session_token), or api_key for a Bedrock API key"));
      }
    }
    boolean id = params.extra().containsKey("aws_access_key_id");
    boolean secret = params.extra().containsKey("aws_secret_access_key");
    if (id != secret) {
      return Optional.of(
          new InvalidParam(
              id ? "aws_secret_access_key" : "aws_access_key_id",
              "is required with " + (id ? "aws_access_key_id" : "aws_secret_access_key")));
    }
    if (BedrockAuth.credentials(params, env).isEmpty()) {
      return Optional.of(
          new InvalidParam(
              "aws_access_key_id",
              "is required for provider bedrock, with aws_secret_access_key, unless api_key (a"
                  + " Bedrock API key) is set or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or"
                  + " AWS_BEARER_TOKEN_BEDROCK) are in the environment"));
    }
    String model = BedrockTarget.of(params, env).modelId();
    if (model.isBlank()) {
      return Optional.of(
          new InvalidParam("model", "must be bedrock/<model id>; got '" + params.model() + "'"));
    }
    return Optional.empty();
  }

  @Override
  public Provider create(Vertx vertx, HttpClient client) {
    Clock clock = Clock.systemUTC();
    return new UpstreamCall(vertx, client, new BedrockWire(clock, new BedrockAuth(clock, env)));
  }
}

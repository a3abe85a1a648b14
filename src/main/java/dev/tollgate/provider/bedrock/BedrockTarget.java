package dev.tollgate.provider.bedrock;

import dev.tollgate.config.LitellmParams;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where a Bedrock deployment's calls go: the runtime endpoint, the region they are signed for, and
 * the model id as it appears in the path. Decided from the deployment's params and, for what they
 * leave out, the environment read when the provider was made. Immutable.
 *
 * <p>The model is what follows {@code bedrock/}: a leading {@code converse/} or {@code invoke/}
 * (LiteLLM's route markers) and an AWS region segment ({@code bedrock/us-east-1/<id>}, which
 * LiteLLM's cost map uses) are removed; the region segment also names the region when {@code
 * aws_region_name} does not. The region is then {@code AWS_REGION}, {@code AWS_DEFAULT_REGION}, or
 * {@code us-west-2}, LiteLLM's default. The endpoint is {@code api_base}, else {@code
 * aws_bedrock_runtime_endpoint}, else {@code https://bedrock-runtime.<region>.amazonaws.com}.
 *
 * @param basePath the endpoint's path, without a trailing slash; usually empty
 * @param modelId the model id, inference profile id or ARN, not encoded
 */
record BedrockTarget(
    String host, int port, boolean ssl, String basePath, String region, String modelId) {

  static final String DEFAULT_REGION = "us-west-2";

  private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-\\d+");

  static BedrockTarget of(LitellmParams p, Map<String, String> env) {
    String id = p.providerModel();
    String pathRegion = null;
    for (int slash = id.indexOf('/'); slash > 0 && !id.startsWith("arn:"); ) {
      String segment = id.substring(0, slash);
      if (segment.equals("converse") || segment.equals("invoke")) {
        id = id.substring(slash + 1);
      } else if (AWS_REGION.matcher(segment).matches()) {
        pathRegion = segment;
        id = id.substring(slash + 1);
      } else {
        break;
      }
      slash = id.indexOf('/');
    }
    Optional<String> fromPath = Optional.ofNullable(pathRegion);
    String region =
        string(p.extra().get("aws_region_name"))
            .or(() -> fromPath)
            .or(() -> env(env, "AWS_REGION"))
            .or(() -> env(env, "AWS_DEFAULT_REGION"))
            .orElse(DEFAULT_REGION);
    String base =
        p.apiBase()
            .or(() -> string(p.extra().get("aws_bedrock_runtime_endpoint")))
            .orElse("https://bedrock-runtime." + region + ".amazonaws.com");
    URI u = URI.create(base.contains("://") ? base : "https://" + base);
    boolean ssl = !"http".equalsIgnoreCase(u.getScheme());
    String host = u.getHost() == null ? "localhost" : u.getHost();
    int port = u.getPort() > 0 ? u.getPort() : ssl ? 443 : 80;
    String path = u.getRawPath() == null ? "" : u.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return new BedrockTarget(host, port, ssl, path, region, id);
  }

  /**
   * The path of a call to {@code action} ({@code converse}, {@code converse-stream}, {@code
   * invoke}).
   */
  String path(String action) {
    return basePath + "/model/" + encode(modelId) + "/" + action;
  }

  /**
   * A path label as AWS's SDKs encode it: every byte but the unreserved ones ({@code A-Z a-z 0-9 -
   * _ . ~}) percent-encoded, so {@code :} is {@code %3A} and an ARN's {@code /} is {@code %2F}.
   * SigV4 encodes this once more in the canonical request, which the signer does.
   */
  static String encode(String label) {
    StringBuilder sb = new StringBuilder(label.length() + 8);
    for (byte b : label.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        sb.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return sb.toString();
  }

  private static Optional<String> string(@Nullable Object v) {
    return v instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
  }

  private static Optional<String> env(Map<String, String> env, String name) {
    return string(env.get(name));
  }
}

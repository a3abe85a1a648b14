package dev.tollgate.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * {@link BedrockAuth}: the signature AWS's signer puts on a call is checked against SigV4 computed
 * here by hand from AWS's documented steps, with the canonical URI a non-S3 service signs (each
 * path segment encoded twice, so a model id's {@code :} is {@code %253A}); and the credentials'
 * order of precedence.
 */
class BedrockAuthTest {
  static final String ID = "AKIDEXAMPLE";
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T12:34:56Z"), ZoneOffset.UTC);
  static final Pattern AUTH =
      Pattern.compile(
          "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/bedrock/aws4_request,"
              + " ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})");

  @Test
  void sign_modelIdWithColon_matchesSigV4ComputedByHand() throws Exception {
    BedrockTarget t =
        new BedrockTarget(
            "bedrock-runtime.us-east-1.amazonaws.com",
            443,
            true,
            "",
            "us-east-1",
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0");
    String path = t.path("converse");
    assertThat(path).isEqualTo("/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse");
    byte[] body = "{\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
    RequestOptions o = new RequestOptions().putHeader("content-type", "application/json");

    BedrockAuth.sign(o, new BedrockAuth.Keys(ID, SECRET, null), t, path, body, CLOCK);

    String auth = o.getHeaders().get("authorization");
    Matcher m = AUTH.matcher(auth);
    assertThat(m.matches()).as(auth).isTrue();
    assertThat(m.group(1)).isEqualTo(ID);
    assertThat(m.group(2)).isEqualTo("20261204");
    assertThat(m.group(3)).isEqualTo("us-east-1");
    assertThat(o.getHeaders().get("x-amz-date")).isEqualTo("20261204T123456Z");
    List<String> signed = List.of(m.group(4).split(";"));
    assertThat(signed).contains("content-type", "host", "x-amz-date");

    StringBuilder canonical = new StringBuilder();
    canonical.append("POST\n");
    canonical.append("/model/us.anthropic.claude-3-5-sonnet-20241022-v2%253A0/converse\n");
    canonical.append("\n");
    for (String h : signed) {
      String v =
          h.equals("host")
              ? "bedrock-runtime.us-east-1.amazonaws.com"
              : java.util.Objects.requireNonNull(o.getHeaders().get(h), h).strip();
      canonical.append(h).append(':').append(v).append('\n');
    }
    canonical.append('\n').append(m.group(4)).append('\n').append(sha256Hex(body));
    String stringToSign =
        "AWS4-HMAC-SHA256\n20261204T123456Z\n20261204/us-east-1/bedrock/aws4_request\n"
            + sha256Hex(canonical.toString().getBytes(StandardCharsets.UTF_8));
    byte[] key = hmac(("AWS4" + SECRET).getBytes(StandardCharsets.UTF_8), "20261204");
    key = hmac(key, "us-east-1");
    key = hmac(key, "bedrock");
    key = hmac(key, "aws4_request");
    assertThat(m.group(5)).isEqualTo(HexFormat.of().formatHex(hmac(key, stringToSign)));
  }

  @Test
  void sign_sessionCredentials_sendTheToken() {
    BedrockTarget t = new BedrockTarget("127.0.0.1", 8443, false, "", "eu-west-1", "m");
    RequestOptions o = new RequestOptions();
    BedrockAuth.sign(
        o,
        new BedrockAuth.Keys(ID, SECRET, "session-token-1"),
        t,
        t.path("converse"),
        new byte[0],
        CLOCK);
    assertThat(o.getHeaders().get("x-amz-security-token")).isEqualTo("session-token-1");
    assertThat(o.getHeaders().get("authorization")).contains("/eu-west-1/bedrock/aws4_request");
    assertThat(o.getHeaders().get("host")).isNull();
  }

  @Test
  void credentials_apiKeyFirst_thenParamKeys_thenEnvironment() {
    Map<String, Object> keys = Map.of("aws_access_key_id", "AKP", "aws_secret_access_key", "SKP");
    Map<String, String> env =
        Map.of(
            "AWS_BEARER_TOKEN_BEDROCK", "env-bearer",
            "AWS_ACCESS_KEY_ID", "AKE",
            "AWS_SECRET_ACCESS_KEY", "SKE",
            "AWS_SESSION_TOKEN", "STE");

    assertThat(BedrockAuth.credentials(Params.of("m", null, "api-key", keys), env))
        .contains(new BedrockAuth.Bearer("api-key"));
    assertThat(BedrockAuth.credentials(Params.of("m", null, null, keys), env))
        .contains(new BedrockAuth.Keys("AKP", "SKP", null));
    assertThat(BedrockAuth.credentials(Params.of("m", null, null, Map.of()), env))
        .contains(new BedrockAuth.Bearer("env-bearer"));
    Map<String, String> noBearer = new java.util.HashMap<>(env);
    noBearer.remove("AWS_BEARER_TOKEN_BEDROCK");
    assertThat(BedrockAuth.credentials(Params.of("m", null, null, Map.of()), noBearer))
        .contains(new BedrockAuth.Keys("AKE", "SKE", "STE"));
    assertThat(BedrockAuth.credentials(Params.of("m", null, null, Map.of()), Map.of())).isEmpty();
  }

  @Test
  void authenticate_bearer_isNotSigned() {
    BedrockAuth auth = new BedrockAuth(CLOCK, Map.of());
    var p = Params.of("m", "http://127.0.0.1:1", "api-key", Map.of());
    BedrockTarget t = BedrockTarget.of(p, Map.of());
    RequestOptions o = new RequestOptions();
    auth.authenticate(o, p, t, t.path("converse"), new byte[0]);
    assertThat(o.getHeaders().get("authorization")).isEqualTo("Bearer api-key");
    assertThat(o.getHeaders().get("x-amz-date")).isNull();
    List<String> names = new ArrayList<>(o.getHeaders().names());
    assertThat(names).containsExactly("authorization");
  }

  static String sha256Hex(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

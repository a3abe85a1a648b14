package dev.tollgate.provider.vertex;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VertexWireTest {
  @SuppressWarnings("NullAway.Init")
  static Vertx vertx;

  @SuppressWarnings("NullAway.Init")
  static VertexWire wire;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    wire =
        new VertexWire(
            new VertexAuth(vertx, vertx.createHttpClient(), Clock.systemUTC()), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  static LitellmParams params(String model, Optional<String> apiBase, Map<String, Object> extra) {
    Map<String, Object> x = new HashMap<>(extra);
    x.putIfAbsent("vertex_project", "proj-1");
    x.putIfAbsent("vertex_credentials", "{}");
    return new LitellmParams(
        "vertex_ai/" + model,
        "vertex_ai",
        model,
        apiBase,
        Optional.empty(),
        Optional.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        OptionalInt.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        1,
        Map.of(),
        x);
  }

  static UpstreamRequest call(LitellmParams p, boolean stream) {
    String json =
        "{\"model\":\"g\",\"stream\":"
            + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    return new UpstreamRequest(
        ParsedRequests.parse(Endpoint.CHAT, json),
        "d1",
        p,
        10_000,
        new Cancellation(),
        OptionalLong.of(64_000));
  }

  @ParameterizedTest
  @CsvSource({
    "gemini-2.5-pro, us-east5, false, us-east5-aiplatform.googleapis.com,"
        + " /v1/projects/proj-1/locations/us-east5/publishers/google/models/gemini-2.5-pro:generateContent",
    "gemini-2.5-pro, global, true, aiplatform.googleapis.com,"
        + " /v1/projects/proj-1/locations/global/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
    "claude-opus-4@20250514, europe-west1, false, europe-west1-aiplatform.googleapis.com,"
        + " /v1/projects/proj-1/locations/europe-west1/publishers/anthropic/models/claude-opus-4@20250514:rawPredict",
    "claude-opus-4@20250514, us-east5, true, us-east5-aiplatform.googleapis.com,"
        + " /v1/projects/proj-1/locations/us-east5/publishers/anthropic/models/claude-opus-4@20250514:streamRawPredict"
  })
  void request_addressesTheRegionalEndpoint(
      String model, String location, boolean stream, String host, String uri) {
    RequestOptions o =
        wire.request(
            call(params(model, Optional.empty(), Map.of("vertex_location", location)), stream));

    assertThat(o.getHost()).isEqualTo(host);
    assertThat(o.getPort()).isEqualTo(443);
    assertThat(o.isSsl()).isTrue();
    assertThat(o.getURI()).isEqualTo(uri);
  }

  @Test
  void request_apiBase_replacesTheHostAndPrefixesItsPath() {
    RequestOptions o =
        wire.request(
            call(
                params(
                    "gemini-2.5-flash",
                    Optional.of("http://proxy.internal:8080/vertex/v1/"),
                    Map.of()),
                false));

    assertThat(o.getHost()).isEqualTo("proxy.internal");
    assertThat(o.getPort()).isEqualTo(8080);
    assertThat(o.isSsl()).isFalse();
    assertThat(o.getURI())
        .isEqualTo(
            "/vertex/v1/projects/proj-1/locations/us-central1/publishers/google/models/"
                + "gemini-2.5-flash:generateContent");
  }

  @Test
  void body_claude_hasTheVertexVersionAndNoModel() {
    String body =
        wire.body(call(params("claude-sonnet-4", Optional.empty(), Map.of()), false))
            .toString(StandardCharsets.UTF_8);

    assertThat(body)
        .startsWith("{\"anthropic_version\":\"vertex-2023-10-16\"")
        .doesNotContain("\"model\"");
    assertThat(body).contains("\"max_tokens\":64000");
  }

  @Test
  void impliedMaxTokens_onlyForClaude() {
    ParsedRequest chat =
        ParsedRequests.parse(
            Endpoint.CHAT,
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(
            wire.impliedMaxTokens(
                chat,
                params("claude-sonnet-4", Optional.empty(), Map.of()),
                OptionalLong.of(64_000)))
        .hasValue(64_000);
    assertThat(
            wire.impliedMaxTokens(
                chat,
                params("gemini-2.5-pro", Optional.empty(), Map.of()),
                OptionalLong.of(65_535)))
        .isEmpty();
  }

  @Test
  void error_anthropicOrGoogleShape_eachReadByItsOwnMapper() {
    assertThat(
            wire.error(
                    529,
                    "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"x\"}}"
                        .getBytes(StandardCharsets.UTF_8))
                .code())
        .isEqualTo("overloaded_error");
    assertThat(
            wire.error(
                    429,
                    "{\"error\":{\"code\":429,\"message\":\"q\",\"status\":\"RESOURCE_EXHAUSTED\"}}"
                        .getBytes(StandardCharsets.UTF_8))
                .code())
        .isEqualTo("RESOURCE_EXHAUSTED");
  }
}

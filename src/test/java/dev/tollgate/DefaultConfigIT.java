package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.config.Environment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The embedded default: no config, no credentials, the mock provider answers. */
class DefaultConfigIT {
  final HttpClient http = HttpClient.newHttpClient();

  static GatewayOptions options(Path dir) {
    return GatewayOptions.defaults()
        .withPort(0)
        .withDataDir(dir)
        .withEnv(Environment.of(Map.of()))
        .withInstances(2);
  }

  HttpResponse<String> post(Gateway g, String key, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + path))
            .header("Authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void start_withoutMasterKey_generatesOneStoresItPrivatelyAndReusesIt(@TempDir Path dir)
      throws Exception {
    String first;
    try (Gateway g = Gateway.start(options(dir))) {
      assertThat(g.masterKeyGenerated()).isTrue();
      first = g.masterKey();
      assertThat(first).startsWith("sk-").hasSizeGreaterThan(40);
      Path file = dir.resolve(Gateway.MASTER_KEY_FILE);
      assertThat(Files.readString(file).strip()).isEqualTo(first);
      assertThat(Files.getPosixFilePermissions(file))
          .containsExactlyInAnyOrder(
              PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
    try (Gateway g = Gateway.start(options(dir))) {
      assertThat(g.masterKeyGenerated()).isFalse();
      assertThat(g.masterKey()).isEqualTo(first);
      assertThat(
              post(
                      g,
                      first,
                      "/v1/chat/completions",
                      "{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                  .statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void start_envMasterKey_winsOverGeneratedOne(@TempDir Path dir) {
    try (Gateway g =
        Gateway.start(
            options(dir).withEnv(Environment.of(Map.of("TOLLGATE_MASTER_KEY", "sk-env"))))) {
      assertThat(g.masterKey()).isEqualTo("sk-env");
      assertThat(g.masterKeyGenerated()).isFalse();
      assertThat(dir.resolve(Gateway.MASTER_KEY_FILE)).doesNotExist();
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void mockChat_answersDeterministicallyWithUsage(boolean stream, @TempDir Path dir)
      throws Exception {
    try (Gateway g = Gateway.start(options(dir))) {
      String body =
          "{\"model\":\"mock-gpt\",\"stream\":"
              + stream
              + ",\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      HttpResponse<String> a = post(g, g.masterKey(), "/v1/chat/completions", body);
      HttpResponse<String> b = post(g, g.masterKey(), "/v1/chat/completions", body);
      assertThat(a.statusCode()).isEqualTo(200);
      assertThat(a.body()).isEqualTo(b.body());
      if (stream) {
        assertThat(a.body())
            .startsWith("data: {")
            .endsWith("data: [DONE]\n\n")
            .contains("\"delta\":{\"content\":\"Hello\"}");
        assertThat(a.body()).contains("\"choices\":[],\"usage\":{\"prompt_tokens\":");
      } else {
        JsonNode json = Json.MAPPER.readTree(a.body());
        assertThat(json.path("choices").get(0).path("message").path("content").asText())
            .isEqualTo("Hello from the Tollgate mock provider!");
        assertThat(json.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
        assertThat(json.path("usage").path("prompt_tokens").asInt())
            .isEqualTo((body.length() + 3) / 4);
      }
    }
  }

  @Test
  void mockEmbeddingAndCompletion_answer(@TempDir Path dir) throws Exception {
    try (Gateway g = Gateway.start(options(dir))) {
      HttpResponse<String> e =
          post(
              g,
              g.masterKey(),
              "/v1/embeddings",
              "{\"model\":\"mock-embedding\",\"input\":\"hi\"}");
      assertThat(e.statusCode()).isEqualTo(200);
      assertThat(Json.MAPPER.readTree(e.body()).path("data").get(0).path("embedding").size())
          .isEqualTo(8);
      HttpResponse<String> c =
          post(g, g.masterKey(), "/v1/completions", "{\"model\":\"mock-gpt\",\"prompt\":\"hi\"}");
      assertThat(Json.MAPPER.readTree(c.body()).path("object").asText())
          .isEqualTo("text_completion");
    }
  }
}

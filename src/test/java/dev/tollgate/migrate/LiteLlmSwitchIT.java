package dev.tollgate.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.config.Environment;
import dev.tollgate.store.Database;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LiteLLM deployment switched over in one go, as docs/migrating-from-litellm.md walks it: its
 * database imported with {@code import-litellm}, then Tollgate started on a LiteLLM config with a
 * wildcard model, configured headers, the response cache and {@code drop_params}, serving the
 * users' original keys with the spend LiteLLM had counted.
 */
class LiteLlmSwitchIT {
  private static final String ALICE = ImportLitellmIT.ALICE;
  private static final String BOB = ImportLitellmIT.BOB;

  /** LiteLLM's config, as its docs write it: nothing here is Tollgate's own. */
  private static final String LITELLM_CONFIG =
      """
      model_list:
        - model_name: "*"
          litellm_params:
            model: "openai/*"
            api_base: %s
            api_key: os.environ/UPSTREAM_API_KEY
            extra_headers: {X-Team: research}
      litellm_settings:
        drop_params: true
        cache: true
        cache_params: {type: local, ttl: 600}
        callbacks: ["prometheus"]
      general_settings:
        master_key: os.environ/LITELLM_MASTER_KEY
      """;

  @Test
  void importedKeys_areServed_throughWildcard_headers_andCache_withTheirLiteLlmSpend(
      @TempDir Path dir) throws Exception {
    String litellmUrl = TestPostgres.freshDatabase();
    try (Connection c = Database.connectPostgres(litellmUrl);
        Statement s = c.createStatement()) {
      s.execute(resource("litellm/schema.sql"));
      s.execute(resource("litellm/rows.sql"));
    }
    Map<String, String> env =
        Map.of(
            "LITELLM_MASTER_KEY", TestGateway.MASTER_KEY, "UPSTREAM_API_KEY", "sk-upstream-secret");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        ImportLitellm.run(
            new String[] {
              "--database-url", litellmUrl, "--data-dir", dir.resolve("data").toString()
            },
            Environment.of(env),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    // No stored models in this database, so nothing needs the operator.
    assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(0);

    try (FakeOpenAi upstream = new FakeOpenAi()) {
      upstream.fallback(new FakeOpenAi.Normal(10, 5, 0));
      upstream.recording(true);
      try (TestGateway gw =
          TestGateway.start(LITELLM_CONFIG.formatted(upstream.apiBase()), env, dir)) {
        assertThat(spend(gw, ALICE)).isEqualByComparingTo("4.25");

        // gpt-4o-mini is on alice's LiteLLM key; "*" serves it as openai/gpt-4o-mini.
        HttpResponse<String> first = chat(gw, ALICE);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-tollgate-cache")).hasValue("miss");
        FakeOpenAi.Received sent = upstream.lastReceived();
        assertThat(sent.headers())
            .containsEntry("authorization", "Bearer sk-upstream-secret")
            .containsEntry("x-team", "research");
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.path("model").asText()).isEqualTo("gpt-4o-mini");
        // LiteLLM's own fields never reach the provider.
        assertThat(body.has("metadata")).isFalse();
        assertThat(body.has("num_retries")).isFalse();
        // The catalog's gpt-4o-mini price: 10 input at $0.15/M, 5 output at $0.60/M.
        awaitSpend(gw, ALICE, new BigDecimal("4.2500045"));

        // The same question again: answered from the cache, at no cost, not sent upstream.
        HttpResponse<String> again = chat(gw, ALICE);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(again.headers().firstValue("x-tollgate-cache")).hasValue("hit");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(upstream.received()).hasSize(1);
        assertThat(spend(gw, ALICE)).isEqualByComparingTo("4.2500045");

        // Bob's LiteLLM spend had reached his key's max_budget: refused in LiteLLM's words.
        HttpResponse<String> bob = chat(gw, BOB);
        assertThat(bob.statusCode()).as(bob.body()).isEqualTo(429);
        assertThat(Json.MAPPER.readTree(bob.body()).path("error").path("message").asText())
            .startsWith("Budget has been exceeded!");
        assertThat(upstream.received()).hasSize(1);
      }
    }
  }

  private static HttpResponse<String> chat(TestGateway gw, String key) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"gpt-4o-mini\",\"num_retries\":1,"
                        + "\"metadata\":{\"tags\":[\"prod\"]},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
            .build());
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = LiteLlmSwitchIT.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static BigDecimal spend(TestGateway gw, String key) throws IOException {
    HttpResponse<String> r = gw.get("/key/info?key=" + key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("info").path("spend").decimalValue();
  }

  /** Spend settles after the answer; polls until it shows, without a timed assertion. */
  private static void awaitSpend(TestGateway gw, String key, BigDecimal expected) throws Exception {
    BigDecimal last = BigDecimal.ZERO;
    for (int i = 0; i < 500; i++) {
      last = spend(gw, key);
      if (last.compareTo(expected) == 0) {
        return;
      }
      Thread.sleep(10);
    }
    assertThat(last).isEqualByComparingTo(expected);
  }
}

package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.Json;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A key that asks {@code /key/info} about another key gets the same answer whether that key exists
 * or not, so the route cannot be used to test guessed keys; its own info it gets in full.
 */
class KeyInfoOracleIT {
  @Test
  void anotherKey_existingOrNot_getsTheSameRefusal() throws Exception {
    try (TestGateway gw = TestGateway.start(null)) {
      String mine = key(gw);
      String other = key(gw);

      HttpResponse<String> existing = info(gw, mine, other);
      HttpResponse<String> missing = info(gw, mine, "sk-" + "x".repeat(32));
      HttpResponse<String> own = info(gw, mine, mine);

      assertThat(existing.statusCode()).isEqualTo(403);
      assertThat(missing.statusCode()).isEqualTo(existing.statusCode());
      assertThat(missing.body()).isEqualTo(existing.body());
      assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
      // An admin still learns that a key does not exist.
      assertThat(gw.get("/key/info?key=sk-" + "x".repeat(32)).statusCode()).isEqualTo(404);
    }
  }

  static String key(TestGateway gw) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", "{}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  static HttpResponse<String> info(TestGateway gw, String caller, String about) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/key/info?key=" + about))
            .header("authorization", "Bearer " + caller)
            .GET()
            .build());
  }
}

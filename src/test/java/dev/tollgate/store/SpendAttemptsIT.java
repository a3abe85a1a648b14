package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.SpendRecord.Attempt;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A request's attempts, from the spend log of a running gateway to {@code GET /spend/logs/ui} over
 * HTTP, on real SQLite and real PostgreSQL, and again after a restart.
 */
class SpendAttemptsIT {
  /** Served by dep-1 after dep-0 answered 429. */
  static final SpendRecord RETRIED = SpendRecords.retried("req-retried");

  /** One attempt: no list. */
  static final SpendRecord ONCE = SpendRecords.priced("req-once", 7);

  /**
   * Failed with a 502: dep-a was passed over on its spent budget, dep-b timed out, dep-c could not
   * be reached.
   */
  static final SpendRecord FAILED = failed("req-failed");

  static SpendRecord failed(String id) {
    SpendRecord p = SpendRecords.priced(id, 0);
    GatewayException unreachable =
        GatewayException.badGateway("could not connect", new ConnectException("refused"));
    return new SpendRecord(
        id,
        p.startedAtMillis() + 1,
        p.keyHash(),
        p.userId(),
        p.teamId(),
        p.organizationId(),
        p.customerId(),
        p.tags(),
        "gpt-4o",
        Optional.of("dep-c"),
        Optional.of("openai/gpt-4o"),
        "priced",
        "catalog",
        0,
        0,
        0,
        0,
        0,
        OptionalLong.of(0),
        dev.tollgate.budget.UsageSource.NONE,
        502,
        Optional.of(unreachable.type()),
        30_000,
        true,
        List.of(
            Attempt.failed(
                "gpt-4o",
                "dep-a",
                GatewayException.of(
                    429, "budget_exceeded", null, "deployment_budget_exceeded", "spent")),
            Attempt.failed("gpt-4o", "dep-b", GatewayException.timeout("slow")),
            Attempt.failed("gpt-4o", "dep-c", unreachable)));
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void spendLogs_recordsWithAndWithoutAttempts_showEachAttemptInOrder(StoreKind kind)
      throws Exception {
    Path dir = Files.createTempDirectory("tollgate-attempts");
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    if (kind == StoreKind.POSTGRESQL) {
      env.put("DATABASE_URL", TestPostgres.freshDatabase());
    }
    try (TestGateway gw = TestGateway.start(null, env, dir)) {
      SpendLog log = gw.gateway().database().spendLog();
      long before = log.stats().persisted();
      log.record(RETRIED);
      log.record(ONCE);
      log.record(FAILED);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (log.stats().persisted() < before + 3 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(log.stats().persisted()).isEqualTo(before + 3);

      assertShown(gw);
    }
    // read back from the store alone, by a gateway that never held the records
    try (TestGateway gw = TestGateway.start(null, env, dir)) {
      assertShown(gw);
    }
  }

  private static void assertShown(TestGateway gw) throws Exception {
    Map<String, JsonNode> rows = rows(gw, "/spend/logs/ui?page_size=100");
    assertThat(rows).containsOnlyKeys("req-retried", "req-once", "req-failed");
    assertThat(get(rows, "req-retried").get("attempts"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"model_group":"gpt-4o-mini","model_id":"dep-0","status":429,\
                "error_class":"RateLimitError"},
                 {"model_group":"gpt-4o-mini","model_id":"dep-1","status":200,\
                "error_class":null}]
                """));
    assertThat(get(rows, "req-retried").get("model_id").asText()).isEqualTo("dep-1");
    assertThat(get(rows, "req-once").get("attempts").isArray()).isTrue();
    assertThat(get(rows, "req-once").get("attempts")).isEmpty();
    assertThat(get(rows, "req-failed").get("attempts"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"model_group":"gpt-4o","model_id":"dep-a","status":429,\
                "error_class":"BudgetExceededError"},
                 {"model_group":"gpt-4o","model_id":"dep-b","status":504,\
                "error_class":"Timeout"},
                 {"model_group":"gpt-4o","model_id":"dep-c","status":502,\
                "error_class":"APIConnectionError"}]
                """));
    assertThat(get(rows, "req-failed").get("http_status").asInt()).isEqualTo(502);

    Map<String, JsonNode> one = rows(gw, "/spend/logs/ui?request_id=req-failed");
    assertThat(one).containsOnlyKeys("req-failed");
    assertThat(get(one, "req-failed").get("attempts")).hasSize(3);
  }

  private static JsonNode get(Map<String, JsonNode> rows, String id) {
    return Objects.requireNonNull(rows.get(id), id);
  }

  private static Map<String, JsonNode> rows(TestGateway gw, String path) throws Exception {
    HttpResponse<String> r = gw.get(path);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Map<String, JsonNode> rows = new HashMap<>();
    for (JsonNode row : Json.MAPPER.readTree(r.body()).path("data")) {
      rows.put(row.path("request_id").asText(), row);
    }
    return rows;
  }
}

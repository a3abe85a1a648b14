package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.assertj.core.api.SoftAssertions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every management route × every kind of caller, over real HTTP. Each row of {@link #ROWS} names a
 * route of {@link Permissions} and a request that an admin may make on entities that belong to
 * someone else; each cell asserts allowed (2xx) or refused (401 without a valid key, 403 otherwise,
 * in OpenAI's error shape), and that a refused write changed nothing. A route added to the
 * permission table without a row here fails {@link #everyRoute_hasARow}; a route mounted without a
 * row in the table fails the gateway's start.
 *
 * <p>The other tests cover what the scoped roles may do to their own keys, users and teams.
 */
@SuppressWarnings("NullAway.Init") // set in @BeforeAll
class AuthorizationMatrixIT {
  enum Caller {
    MASTER,
    PROXY_ADMIN,
    PROXY_ADMIN_VIEWER,
    INTERNAL_USER,
    INTERNAL_USER_VIEWER,
    TEAM_ADMIN,
    TEAM_MEMBER,
    NO_KEY,
    BAD_KEY
  }

  private static final Set<Caller> ADMINS = EnumSet.of(Caller.MASTER, Caller.PROXY_ADMIN);
  private static final Set<Caller> READERS =
      EnumSet.of(Caller.MASTER, Caller.PROXY_ADMIN, Caller.PROXY_ADMIN_VIEWER);

  /** Readers, and the members of team t-1 whatever their role. */
  private static final Set<Caller> TEAM_READERS =
      EnumSet.of(
          Caller.MASTER,
          Caller.PROXY_ADMIN,
          Caller.PROXY_ADMIN_VIEWER,
          Caller.TEAM_ADMIN,
          Caller.TEAM_MEMBER);

  private static final Set<Caller> ANY_USER =
      EnumSet.complementOf(EnumSet.of(Caller.NO_KEY, Caller.BAD_KEY));

  private static TestGateway gw;
  private static final Map<Caller, String> KEYS = new EnumMap<>(Caller.class);
  private static final AtomicInteger SEQ = new AtomicInteger();

  /** One request; {@code body} null for a GET. */
  record Req(String method, String path, @Nullable String body) {}

  record Row(String route, Supplier<Req> request, Set<Caller> allowed) {}

  private static final List<Row> ROWS =
      List.of(
          row(
              "POST /key/generate",
              () -> post("/key/generate", "{\"user_id\": \"u-other\"}"),
              ADMINS),
          row(
              "POST /key/update",
              () -> post("/key/update", "{\"key\": \"" + otherKey() + "\", \"max_budget\": 99}"),
              ADMINS),
          row("GET /key/info", () -> get("/key/info?key=" + otherKey()), READERS),
          row(
              "POST /key/delete",
              () -> post("/key/delete", "{\"keys\": [\"" + otherKey() + "\"]}"),
              ADMINS),
          row("GET /key/list", () -> get("/key/list"), ANY_USER),
          row(
              "POST /key/block",
              () -> post("/key/block", "{\"key\": \"" + otherKey() + "\"}"),
              ADMINS),
          row(
              "POST /key/unblock",
              () -> post("/key/unblock", "{\"key\": \"" + otherKey() + "\"}"),
              ADMINS),
          row(
              "POST /key/:key/regenerate",
              () -> post("/key/" + otherKey() + "/regenerate", "{}"),
              ADMINS),
          row(
              "POST /key/:key/reset_spend",
              () -> post("/key/" + otherKey() + "/reset_spend", "{}"),
              ADMINS),
          row(
              "POST /key/regenerate",
              () -> post("/key/regenerate", "{\"key\": \"" + otherKey() + "\"}"),
              ADMINS),
          row(
              "POST /v2/key/info",
              () -> post("/v2/key/info", "{\"keys\": [\"" + otherKey() + "\"]}"),
              READERS),
          row("GET /spend/keys", () -> get("/spend/keys"), ANY_USER),
          row("GET /spend/users", () -> get("/spend/users"), ANY_USER),
          row(
              "POST /user/new",
              () -> post("/user/new", "{\"user_id\": \"" + id("u") + "\"}"),
              ADMINS),
          row(
              "POST /user/update",
              () -> post("/user/update", "{\"user_id\": \"u-other\", \"max_budget\": 7}"),
              ADMINS),
          row("GET /user/info", () -> get("/user/info?user_id=u-other"), READERS),
          row(
              "POST /user/delete",
              () ->
                  post(
                      "/user/delete",
                      "{\"user_ids\": [\"" + fresh("/user/new", "user_id") + "\"]}"),
              ADMINS),
          row("GET /user/list", () -> get("/user/list"), READERS),
          row(
              "POST /team/new",
              () -> post("/team/new", "{\"team_id\": \"" + id("t") + "\"}"),
              ADMINS),
          row(
              "POST /team/update",
              () -> post("/team/update", "{\"team_id\": \"t-1\", \"max_budget\": 50}"),
              ADMINS),
          row("GET /team/info", () -> get("/team/info?team_id=t-1"), TEAM_READERS),
          row(
              "GET /team/permissions_list",
              () -> get("/team/permissions_list?team_id=t-1"),
              TEAM_READERS),
          row(
              "POST /team/permissions_update",
              () ->
                  post(
                      "/team/permissions_update",
                      "{\"team_id\": \"t-1\", \"team_member_permissions\": [\"/key/info\","
                          + " \"/key/health\"]}"),
              EnumSet.of(Caller.MASTER, Caller.PROXY_ADMIN, Caller.TEAM_ADMIN)),
          row(
              "POST /team/delete",
              () ->
                  post(
                      "/team/delete",
                      "{\"team_ids\": [\"" + fresh("/team/new", "team_id") + "\"]}"),
              ADMINS),
          row("GET /team/list", () -> get("/team/list"), READERS),
          row(
              "POST /team/member_add",
              () ->
                  post(
                      "/team/member_add",
                      "{\"team_id\": \"t-2\", \"member\": {\"user_id\": \"" + id("m") + "\"}}"),
              ADMINS),
          row(
              "POST /team/member_update",
              () ->
                  post(
                      "/team/member_update",
                      "{\"team_id\": \"t-2\", \"user_id\": \"u-other\", \"max_budget_in_team\": 3}"),
              ADMINS),
          row(
              "POST /team/member_delete",
              () -> {
                String m = id("m");
                ok(
                    post(
                        "/team/member_add",
                        "{\"team_id\": \"t-2\", \"member\": {\"user_id\": \"" + m + "\"}}"));
                return post(
                    "/team/member_delete", "{\"team_id\": \"t-2\", \"user_id\": \"" + m + "\"}");
              },
              ADMINS),
          row(
              "POST /team/block",
              () -> post("/team/block", "{\"team_id\": \"" + fresh("/team/new", "team_id") + "\"}"),
              ADMINS),
          row(
              "POST /team/unblock",
              () -> {
                String t = fresh("/team/new", "team_id");
                ok(post("/team/block", "{\"team_id\": \"" + t + "\"}"));
                return post("/team/unblock", "{\"team_id\": \"" + t + "\"}");
              },
              ADMINS),
          row(
              "POST /team/model/add",
              () ->
                  post(
                      "/team/model/add",
                      "{\"team_id\": \""
                          + fresh("/team/new", "team_id")
                          + "\", \"models\": [\"m-a\"]}"),
              ADMINS),
          row(
              "POST /team/model/delete",
              () -> {
                String t = id("t");
                ok(
                    post(
                        "/team/new",
                        "{\"team_id\": \"" + t + "\", \"models\": [\"m-a\", \"m-b\"]}"));
                return post(
                    "/team/model/delete", "{\"team_id\": \"" + t + "\", \"models\": [\"m-a\"]}");
              },
              ADMINS),
          row(
              "POST /organization/new",
              () -> post("/organization/new", "{\"organization_id\": \"" + id("o") + "\"}"),
              ADMINS),
          row(
              "POST /organization/update",
              () ->
                  post(
                      "/organization/update",
                      "{\"organization_id\": \"o-1\", \"max_budget\": "
                          + SEQ.incrementAndGet()
                          + "}"),
              ADMINS),
          row(
              "PATCH /organization/update",
              () ->
                  new Req(
                      "PATCH",
                      "/organization/update",
                      "{\"organization_id\": \"o-1\", \"max_budget\": "
                          + SEQ.incrementAndGet()
                          + "}"),
              ADMINS),
          row(
              "GET /organization/info",
              () -> get("/organization/info?organization_id=o-1"),
              READERS),
          row(
              "POST /organization/delete",
              () ->
                  post(
                      "/organization/delete",
                      "{\"organization_ids\": [\""
                          + fresh("/organization/new", "organization_id")
                          + "\"]}"),
              ADMINS),
          row(
              "DELETE /organization/delete",
              () ->
                  new Req(
                      "DELETE",
                      "/organization/delete",
                      "{\"organization_ids\": [\""
                          + fresh("/organization/new", "organization_id")
                          + "\"]}"),
              ADMINS),
          row("GET /organization/list", () -> get("/organization/list"), READERS),
          row(
              "POST /organization/member_add",
              () ->
                  post(
                      "/organization/member_add",
                      "{\"organization_id\": \"o-1\", \"member\": {\"user_id\": \""
                          + id("om")
                          + "\", \"role\": \"internal_user\"}}"),
              ADMINS),
          row(
              "POST /organization/member_update",
              () ->
                  post(
                      "/organization/member_update",
                      "{\"organization_id\": \"o-1\", \"user_id\": \""
                          + orgMember()
                          + "\", \"role\": \"org_admin\"}"),
              ADMINS),
          row(
              "PATCH /organization/member_update",
              () ->
                  new Req(
                      "PATCH",
                      "/organization/member_update",
                      "{\"organization_id\": \"o-1\", \"user_id\": \""
                          + orgMember()
                          + "\", \"role\": \"org_admin\"}"),
              ADMINS),
          row(
              "POST /organization/member_delete",
              () ->
                  post(
                      "/organization/member_delete",
                      "{\"organization_id\": \"o-1\", \"user_id\": \"" + orgMember() + "\"}"),
              ADMINS),
          row(
              "DELETE /organization/member_delete",
              () ->
                  new Req(
                      "DELETE",
                      "/organization/member_delete",
                      "{\"organization_id\": \"o-1\", \"user_id\": \"" + orgMember() + "\"}"),
              ADMINS),
          row(
              "POST /customer/new",
              () -> post("/customer/new", "{\"user_id\": \"" + id("c") + "\"}"),
              ADMINS),
          row(
              "POST /customer/update",
              () ->
                  post(
                      "/customer/update",
                      "{\"user_id\": \"c-1\", \"max_budget\": " + SEQ.incrementAndGet() + "}"),
              ADMINS),
          row("GET /customer/info", () -> get("/customer/info?end_user_id=c-1"), READERS),
          row(
              "POST /customer/delete",
              () ->
                  post(
                      "/customer/delete",
                      "{\"user_ids\": [\"" + fresh("/customer/new", "user_id") + "\"]}"),
              ADMINS),
          row(
              "POST /customer/block",
              () ->
                  post(
                      "/customer/block",
                      "{\"user_ids\": [\"" + fresh("/customer/new", "user_id") + "\"]}"),
              ADMINS),
          row(
              "POST /customer/unblock",
              () -> post("/customer/unblock", "{\"user_ids\": [\"" + blockedCustomer() + "\"]}"),
              ADMINS),
          row("GET /customer/list", () -> get("/customer/list"), READERS),
          row(
              "POST /end_user/new",
              () -> post("/end_user/new", "{\"user_id\": \"" + id("c") + "\"}"),
              ADMINS),
          row(
              "POST /end_user/update",
              () ->
                  post(
                      "/end_user/update",
                      "{\"user_id\": \"c-1\", \"max_budget\": " + SEQ.incrementAndGet() + "}"),
              ADMINS),
          row("GET /end_user/info", () -> get("/end_user/info?end_user_id=c-1"), READERS),
          row(
              "POST /end_user/delete",
              () ->
                  post(
                      "/end_user/delete",
                      "{\"user_ids\": [\"" + fresh("/customer/new", "user_id") + "\"]}"),
              ADMINS),
          row(
              "POST /end_user/block",
              () ->
                  post(
                      "/end_user/block",
                      "{\"user_ids\": [\"" + fresh("/customer/new", "user_id") + "\"]}"),
              ADMINS),
          row(
              "POST /end_user/unblock",
              () -> post("/end_user/unblock", "{\"user_ids\": [\"" + blockedCustomer() + "\"]}"),
              ADMINS),
          row("GET /end_user/list", () -> get("/end_user/list"), READERS),
          row("POST /tag/new", () -> post("/tag/new", "{\"name\": \"" + id("g") + "\"}"), ADMINS),
          row(
              "POST /tag/update",
              () ->
                  post("/tag/update", "{\"name\": \"g-1\", \"description\": \"" + id("d") + "\"}"),
              ADMINS),
          row("POST /tag/info", () -> post("/tag/info", "{\"names\": [\"g-1\"]}"), READERS),
          row(
              "POST /tag/delete",
              () -> post("/tag/delete", "{\"name\": \"" + fresh("/tag/new", "name") + "\"}"),
              ADMINS),
          row("GET /tag/list", () -> get("/tag/list"), READERS),
          row(
              "POST /budget/new",
              () -> post("/budget/new", "{\"budget_id\": \"" + id("b") + "\", \"max_budget\": 1}"),
              ADMINS),
          row(
              "POST /budget/update",
              () ->
                  post(
                      "/budget/update",
                      "{\"budget_id\": \"b-1\", \"max_budget\": " + SEQ.incrementAndGet() + "}"),
              ADMINS),
          row("POST /budget/info", () -> post("/budget/info", "{\"budgets\": [\"b-1\"]}"), READERS),
          row("GET /budget/info", () -> get("/budget/info?budget_id=b-1"), READERS),
          row(
              "POST /budget/delete",
              () ->
                  post(
                      "/budget/delete",
                      "{\"budget_id\": \"" + fresh("/budget/new", "budget_id") + "\"}"),
              ADMINS),
          row("GET /budget/list", () -> get("/budget/list"), READERS),
          row("POST /model/new", () -> post("/model/new", model(id("md"))), ADMINS),
          row(
              "POST /model/update",
              () ->
                  post(
                      "/model/update",
                      "{\"model_info\": {\"id\": \"md-1\"}, \"model_name\": \"" + id("n") + "\"}"),
              ADMINS),
          row(
              "PATCH /model/:id/update",
              () -> new Req("PATCH", "/model/md-1/update", "{\"model_name\": \"" + id("n") + "\"}"),
              ADMINS),
          row(
              "POST /model/delete",
              () -> {
                String m = id("md");
                ok(post("/model/new", model(m)));
                return post("/model/delete", "{\"id\": \"" + m + "\"}");
              },
              ADMINS),
          row("GET /model/info", () -> get("/model/info"), ANY_USER),
          row("GET /v1/model/info", () -> get("/v1/model/info"), ANY_USER),
          row("GET /model_group/info", () -> get("/model_group/info"), ANY_USER),
          row("GET /pricing/unknown", () -> get("/pricing/unknown"), READERS),
          // No cost map is configured, so the allowed answer is a 400 that says so.
          row("POST /reload/model_cost_map", () -> post("/reload/model_cost_map", "{}"), ADMINS),
          row("GET /spend/logs", () -> get("/spend/logs?user_id=u-other"), READERS),
          row("GET /spend/logs/ui", () -> get("/spend/logs/ui?user_id=u-other"), READERS),
          row("GET /spend/tags", () -> get("/spend/tags"), READERS),
          row("GET /global/spend/logs", () -> get("/global/spend/logs"), ANY_USER),
          row("GET /global/spend/keys", () -> get("/global/spend/keys"), ANY_USER),
          row("GET /global/spend/models", () -> get("/global/spend/models"), ANY_USER),
          row(
              "GET /global/spend/tags",
              () -> get("/global/spend/tags?start_date=2026-01-01&end_date=2026-12-31"),
              READERS),
          row(
              "GET /global/spend/report",
              () -> get("/global/spend/report?start_date=2026-01-01&end_date=2026-12-31"),
              READERS),
          row("GET /routes", () -> get("/routes"), READERS),
          row("GET /active/callbacks", () -> get("/active/callbacks"), READERS),
          row("GET /audit", () -> get("/audit"), READERS),
          // No record has this id, so the allowed answer is a 404.
          row("GET /audit/:id", () -> get("/audit/no-such-record"), READERS),
          // This gateway has no response cache, so the allowed answer is a 503.
          row("GET /cache/ping", () -> get("/cache/ping"), ADMINS),
          row("POST /cache/delete", () -> post("/cache/delete", "{\"keys\": []}"), ADMINS));

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(null);
    KEYS.put(Caller.MASTER, TestGateway.MASTER_KEY);
    KEYS.put(Caller.PROXY_ADMIN, userKey("u-admin", "proxy_admin"));
    KEYS.put(Caller.PROXY_ADMIN_VIEWER, userKey("u-viewer", "proxy_admin_viewer"));
    KEYS.put(Caller.INTERNAL_USER, userKey("u-internal", "internal_user"));
    KEYS.put(Caller.INTERNAL_USER_VIEWER, userKey("u-iviewer", "internal_user_viewer"));
    KEYS.put(Caller.TEAM_ADMIN, userKey("u-tadmin", "internal_user"));
    KEYS.put(Caller.TEAM_MEMBER, userKey("u-tmember", "internal_user"));
    KEYS.put(Caller.BAD_KEY, "sk-not-a-key-" + "x".repeat(20));
    userKey("u-other", "internal_user");
    ok(post("/team/new", "{\"team_id\": \"t-1\", \"max_budget\": 10}"));
    ok(post("/team/new", "{\"team_id\": \"t-2\"}"));
    // t-3 is for the team admin's own test; the matrix changes t-1's budget.
    ok(post("/team/new", "{\"team_id\": \"t-3\", \"max_budget\": 10}"));
    ok(
        post(
            "/team/member_add",
            "{\"team_id\": \"t-3\", \"member\": {\"user_id\": \"u-tadmin\", \"role\": \"admin\"}}"));
    ok(
        post(
            "/team/member_add",
            "{\"team_id\": \"t-1\", \"member\": [{\"user_id\": \"u-tadmin\", \"role\": \"admin\"},"
                + " {\"user_id\": \"u-tmember\", \"role\": \"user\"}]}"));
    ok(post("/team/member_add", "{\"team_id\": \"t-2\", \"member\": {\"user_id\": \"u-other\"}}"));
    ok(post("/organization/new", "{\"organization_id\": \"o-1\"}"));
    ok(post("/customer/new", "{\"user_id\": \"c-1\"}"));
    ok(post("/tag/new", "{\"name\": \"g-1\"}"));
    ok(post("/budget/new", "{\"budget_id\": \"b-1\", \"max_budget\": 5}"));
    ok(post("/model/new", model("md-1")));
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @Test
  void everyRoute_hasARow() {
    Set<String> rows = new TreeSet<>();
    ROWS.forEach(r -> assertThat(rows.add(r.route())).as("two rows for " + r.route()).isTrue());
    assertThat(rows).isEqualTo(Permissions.routes());
  }

  /**
   * Routes the router mounts that are not management routes, each with how it is guarded: a new
   * route must be added here or to {@link Permissions}, so that none is mounted unguarded unseen.
   */
  private static final Set<String> NOT_MANAGEMENT =
      Set.of(
          // Public: liveness and readiness say up or down, nothing more without a key.
          "GET /health/liveliness",
          "GET /health/liveness",
          "GET /health/readiness",
          // The web UI: its own login and session; every change it makes goes through this table.
          "ANY /ui/",
          // LLM routes, authenticated by a virtual key from the headers before any body is read,
          // and limited to the models the key may use.
          "GET /health",
          "GET /models",
          "GET /v1/models",
          "GET /responses/:id",
          "GET /v1/responses/:id",
          "DELETE /responses/:id",
          "DELETE /v1/responses/:id",
          "POST /v1/messages/count_tokens",
          "POST /anthropic/v1/messages/count_tokens",
          // Pass-through to a provider, with a virtual key and the credentials of a deployment the
          // key may use.
          "ANY /anthropic/",
          "ANY /gemini/",
          "ANY /vertex_ai/",
          "ANY /bedrock/",
          "ANY /openai/");

  @Test
  void everyMountedRoute_isInTheTableOrKnownNotToBeManagement() {
    Set<String> mounted = gw.gateway().mountedRoutes();
    Set<String> unexplained = new TreeSet<>(mounted);
    unexplained.removeAll(Permissions.routes());
    unexplained.removeAll(NOT_MANAGEMENT);
    assertThat(unexplained).as("mounted without a row in Permissions or NOT_MANAGEMENT").isEmpty();
    assertThat(mounted).containsAll(Permissions.routes());
    assertThat(mounted).containsAll(NOT_MANAGEMENT);
  }

  @Test
  void everyRoute_everyCaller_allowedOrRefusedAsTheTableSays() {
    SoftAssertions soft = new SoftAssertions();
    for (Row row : ROWS) {
      for (Caller caller : Caller.values()) {
        Req req = row.request().get();
        boolean write =
            !req.method().equals("GET") && !row.allowed().contains(Caller.PROXY_ADMIN_VIEWER);
        String before = write ? state() : "";
        HttpResponse<String> r = send(caller, req);
        String cell = row.route() + " as " + caller + ": " + r.statusCode() + " " + r.body();
        if (row.allowed().contains(caller)) {
          int expected =
              switch (row.route()) {
                case "POST /reload/model_cost_map" -> 400;
                case "GET /audit/:id" -> 404;
                case "GET /cache/ping", "POST /cache/delete" -> 503;
                default -> 200;
              };
          soft.assertThat(r.statusCode()).as(cell).isEqualTo(expected);
        } else {
          boolean anonymous = caller == Caller.NO_KEY || caller == Caller.BAD_KEY;
          soft.assertThat(r.statusCode()).as(cell).isEqualTo(anonymous ? 401 : 403);
          JsonNode error = json(r).path("error");
          soft.assertThat(error.path("type").asText())
              .as(cell)
              .isEqualTo(anonymous ? "authentication_error" : "permission_error");
          soft.assertThat(error.path("message").asText()).as(cell).isNotEmpty();
          if (write) {
            soft.assertThat(state()).as(cell + " changed the state").isEqualTo(before);
          }
        }
      }
    }
    soft.assertAll();
  }

  @Test
  void internalUser_managesItsOwnKeysOnly() throws Exception {
    ok(post("/user/update", "{\"user_id\": \"u-internal\", \"max_budget\": 10}"));
    String me = KEYS.get(Caller.INTERNAL_USER);
    HttpResponse<String> made =
        send(
            Caller.INTERNAL_USER,
            post("/key/generate", "{\"max_budget\": 2, \"key_alias\": \"" + id("a") + "\"}"));
    assertThat(made.statusCode()).as(made.body()).isEqualTo(200);
    JsonNode k = json(made);
    assertThat(k.path("user_id").asText()).isEqualTo("u-internal");
    String mine = k.path("key").asText();

    // Above its user's budget, for another user, or for a team it does not administer.
    assertRefused(send(Caller.INTERNAL_USER, post("/key/generate", "{\"max_budget\": 11}")), 403);
    assertRefused(
        send(Caller.INTERNAL_USER, post("/key/generate", "{\"user_id\": \"u-other\"}")), 403);
    assertRefused(send(Caller.INTERNAL_USER, post("/key/generate", "{\"team_id\": \"t-1\"}")), 403);

    // Its own key: read, lowered, not raised, deleted.
    assertThat(send(Caller.INTERNAL_USER, get("/key/info?key=" + mine)).statusCode())
        .isEqualTo(200);
    assertThat(
            send(
                    Caller.INTERNAL_USER,
                    post("/key/update", "{\"key\": \"" + mine + "\", \"max_budget\": 1}"))
                .statusCode())
        .isEqualTo(200);
    assertRefused(
        send(
            Caller.INTERNAL_USER,
            post("/key/update", "{\"key\": \"" + mine + "\", \"max_budget\": 3}")),
        403);
    assertRefused(
        send(
            Caller.INTERNAL_USER, post("/key/update", "{\"key\": \"" + mine + "\", \"spend\": 0}")),
        403);

    // Another's key and a missing key get the same answer.
    HttpResponse<String> other =
        send(Caller.INTERNAL_USER, post("/key/delete", "{\"keys\": [\"" + otherKey() + "\"]}"));
    HttpResponse<String> missing =
        send(
            Caller.INTERNAL_USER,
            post("/key/delete", "{\"keys\": [\"sk-" + "y".repeat(30) + "\"]}"));
    assertRefused(other, 403);
    assertThat(missing.body()).isEqualTo(other.body());
    HttpResponse<String> otherUpdate =
        send(Caller.INTERNAL_USER, post("/key/update", "{\"key\": \"" + otherKey() + "\"}"));
    HttpResponse<String> missingUpdate =
        send(Caller.INTERNAL_USER, post("/key/update", "{\"key\": \"sk-" + "y".repeat(30) + "\"}"));
    assertThat(missingUpdate.body()).isEqualTo(otherUpdate.body());

    // Lists and reads only its own.
    JsonNode list =
        json(send(Caller.INTERNAL_USER, get("/key/list?return_full_object=true&size=1000")));
    assertThat(list.path("keys").findValuesAsText("user_id")).containsOnly("u-internal");
    assertThat(send(Caller.INTERNAL_USER, get("/user/info")).statusCode()).isEqualTo(200);
    assertThat(send(Caller.INTERNAL_USER, get("/user/info?user_id=u-internal")).statusCode())
        .isEqualTo(200);
    assertThat(send(Caller.INTERNAL_USER, get("/spend/logs")).statusCode()).isEqualTo(200);

    assertThat(
            send(Caller.INTERNAL_USER, post("/key/delete", "{\"keys\": [\"" + mine + "\"]}"))
                .statusCode())
        .isEqualTo(200);
    assertThat(gw.get("/key/info?key=" + mine).statusCode()).isEqualTo(404);
    assertThat(gw.get("/key/info?key=" + me).statusCode()).isEqualTo(200);
  }

  @Test
  void internalUserViewer_readsItselfAndChangesNothing() {
    assertThat(send(Caller.INTERNAL_USER_VIEWER, get("/user/info")).statusCode()).isEqualTo(200);
    assertThat(send(Caller.INTERNAL_USER_VIEWER, get("/key/info")).statusCode()).isEqualTo(200);
    assertRefused(send(Caller.INTERNAL_USER_VIEWER, post("/key/generate", "{}")), 403);
    assertRefused(send(Caller.INTERNAL_USER_VIEWER, get("/spend/logs?user_id=u-other")), 403);
  }

  @Test
  void teamAdmin_managesItsTeamsMembersAndKeys_withinTheTeamBudget() {
    String m = id("m");
    HttpResponse<String> add =
        send(
            Caller.TEAM_ADMIN,
            post(
                "/team/member_add",
                "{\"team_id\": \"t-3\", \"member\": {\"user_id\": \"" + m + "\"}}"));
    assertThat(add.statusCode()).as(add.body()).isEqualTo(200);
    assertThat(
            send(
                    Caller.TEAM_ADMIN,
                    post(
                        "/team/member_update",
                        "{\"team_id\": \"t-3\", \"user_id\": \""
                            + m
                            + "\", \"max_budget_in_team\": 2}"))
                .statusCode())
        .isEqualTo(200);
    assertRefused(
        send(
            Caller.TEAM_ADMIN,
            post(
                "/team/member_update",
                "{\"team_id\": \"t-3\", \"user_id\": \"" + m + "\", \"max_budget_in_team\": 11}")),
        403);
    HttpResponse<String> key =
        send(
            Caller.TEAM_ADMIN,
            post(
                "/key/generate",
                "{\"team_id\": \"t-3\", \"user_id\": \"" + m + "\", \"max_budget\": 5}"));
    assertThat(key.statusCode()).as(key.body()).isEqualTo(200);
    String teamKey = json(key).path("key").asText();
    assertRefused(
        send(
            Caller.TEAM_ADMIN, post("/key/generate", "{\"team_id\": \"t-3\", \"max_budget\": 11}")),
        403);
    assertThat(send(Caller.TEAM_ADMIN, get("/key/info?key=" + teamKey)).statusCode())
        .isEqualTo(200);
    assertThat(
            send(Caller.TEAM_ADMIN, post("/key/delete", "{\"keys\": [\"" + teamKey + "\"]}"))
                .statusCode())
        .isEqualTo(200);
    assertThat(
            send(
                    Caller.TEAM_ADMIN,
                    post(
                        "/team/member_delete",
                        "{\"team_id\": \"t-3\", \"user_id\": \"" + m + "\"}"))
                .statusCode())
        .isEqualTo(200);

    // Another team, and a team that does not exist, get the same answer.
    HttpResponse<String> other =
        send(
            Caller.TEAM_ADMIN,
            post("/team/member_delete", "{\"team_id\": \"t-2\", \"user_id\": \"u-other\"}"));
    HttpResponse<String> missing =
        send(
            Caller.TEAM_ADMIN,
            post("/team/member_delete", "{\"team_id\": \"t-9\", \"user_id\": \"u-other\"}"));
    assertRefused(other, 403);
    assertThat(missing.body()).isEqualTo(other.body().replace("t-2", "t-9"));
  }

  @Test
  void teamMember_withTeamMemberPermissions_managesItsOwnTeamKeysOnly() throws Exception {
    ok(post("/team/new", "{\"team_id\": \"t-4\", \"max_budget\": 10}"));
    ok(
        post(
            "/team/member_add",
            "{\"team_id\": \"t-4\", \"member\": [{\"user_id\": \"u-tmember\", \"role\": \"user\"},"
                + " {\"user_id\": \"u-other\", \"role\": \"user\"}]}"));
    String others =
        json(ok(post("/key/generate", "{\"team_id\": \"t-4\", \"user_id\": \"u-other\"}")))
            .path("key")
            .asText();
    Req generate =
        post(
            "/key/generate",
            "{\"team_id\": \"t-4\", \"user_id\": \"u-tmember\", \"max_budget\": 1}");
    // LiteLLM's default lets members read team keys, not make them.
    assertRefused(send(Caller.TEAM_MEMBER, generate), 403);
    assertThat(
            json(ok(send(Caller.TEAM_MEMBER, get("/team/permissions_list?team_id=t-4"))))
                .path("team_member_permissions")
                .toString())
        .isEqualTo("[\"/key/info\",\"/key/health\"]");
    assertThat(send(Caller.TEAM_MEMBER, get("/key/info?key=" + others)).statusCode())
        .isEqualTo(200);

    assertRefused(
        send(
            Caller.TEAM_MEMBER,
            post(
                "/team/permissions_update",
                "{\"team_id\": \"t-4\", \"team_member_permissions\": [\"/key/generate\"]}")),
        403);
    ok(
        post(
            "/team/permissions_update",
            "{\"team_id\": \"t-4\", \"team_member_permissions\": [\"/key/generate\","
                + " \"/key/update\", \"/key/delete\", \"/key/list\"]}"));
    String mine = json(ok(send(Caller.TEAM_MEMBER, generate))).path("key").asText();
    // Within the team's budget, and only for itself.
    assertRefused(
        send(
            Caller.TEAM_MEMBER,
            post(
                "/key/generate",
                "{\"team_id\": \"t-4\", \"user_id\": \"u-tmember\", \"max_budget\": 11}")),
        403);
    assertRefused(
        send(
            Caller.TEAM_MEMBER,
            post(
                "/key/generate",
                "{\"team_id\": \"t-4\", \"user_id\": \"u-other\", \"max_budget\": 1}")),
        403);
    ok(
        send(
            Caller.TEAM_MEMBER,
            post("/key/update", "{\"key\": \"" + mine + "\", \"max_budget\": 0.5}")));
    String before = state();
    assertRefused(
        send(Caller.TEAM_MEMBER, post("/key/delete", "{\"keys\": [\"" + others + "\"]}")), 403);
    assertThat(state()).isEqualTo(before);
    // /key/info is no longer granted: another member's key is refused, its own still readable.
    assertRefused(send(Caller.TEAM_MEMBER, get("/key/info?key=" + others)), 403);
    assertThat(send(Caller.TEAM_MEMBER, get("/key/info?key=" + mine)).statusCode()).isEqualTo(200);
    ok(send(Caller.TEAM_MEMBER, post("/key/delete", "{\"keys\": [\"" + mine + "\"]}")));

    // /team/info: the member sees the team and its own keys only; not a member, refused the same
    // whether the team exists or not.
    JsonNode info = json(ok(send(Caller.TEAM_MEMBER, get("/team/info?team_id=t-4"))));
    assertThat(info.path("keys").size()).isZero();
    assertThat(json(ok(get("/team/info?team_id=t-4"))).path("keys").size()).isEqualTo(1);
    HttpResponse<String> notMember = send(Caller.TEAM_MEMBER, get("/team/info?team_id=t-2"));
    HttpResponse<String> missing = send(Caller.TEAM_MEMBER, get("/team/info?team_id=t-none"));
    assertRefused(notMember, 403);
    assertThat(missing.statusCode()).isEqualTo(403);
    assertThat(missing.body()).isEqualTo(notMember.body().replace("t-2", "t-none"));
    // An unknown route is refused when granted.
    assertThat(
            send(
                    Caller.MASTER,
                    post(
                        "/team/permissions_update",
                        "{\"team_id\": \"t-4\", \"team_member_permissions\": [\"/model/new\"]}"))
                .statusCode())
        .isEqualTo(400);
  }

  @Test
  void nonAdminKeys_rateLimitsBoundedByTheirUserTeamAndThemselves() {
    String own = userKey("u-rate", "internal_user");
    ok(post("/user/update", "{\"user_id\": \"u-rate\", \"rpm_limit\": 100, \"tpm_limit\": 1000}"));
    ok(post("/team/update", "{\"team_id\": \"t-3\", \"tpm_limit\": 2000}"));
    HttpResponse<String> above =
        sendAs(own, post("/key/generate", "{\"user_id\": \"u-rate\", \"rpm_limit\": 101}"));
    assertRefused(above, 403);
    assertThat(json(above).path("error").path("message").asText())
        .contains("rpm_limit")
        .contains("100");
    assertRefused(
        sendAs(own, post("/key/generate", "{\"user_id\": \"u-rate\", \"tpm_limit\": 5000}")), 403);
    String key =
        json(ok(sendAs(own, post("/key/generate", "{\"user_id\": \"u-rate\", \"rpm_limit\": 50}"))))
            .path("key")
            .asText();
    // Never above the key's own earlier limit, even within the user's.
    assertRefused(
        sendAs(own, post("/key/update", "{\"key\": \"" + key + "\", \"rpm_limit\": 80}")), 403);
    ok(sendAs(own, post("/key/update", "{\"key\": \"" + key + "\", \"rpm_limit\": 20}")));
    // A team admin within the team's tpm_limit.
    assertRefused(
        send(
            Caller.TEAM_ADMIN,
            post(
                "/key/generate",
                "{\"team_id\": \"t-3\", \"user_id\": \"u-tadmin\", \"max_budget\": 1,"
                    + " \"tpm_limit\": 2001}")),
        403);
    ok(
        send(
            Caller.TEAM_ADMIN,
            post(
                "/key/generate",
                "{\"team_id\": \"t-3\", \"user_id\": \"u-tadmin\", \"max_budget\": 1,"
                    + " \"tpm_limit\": 2000}")));
    // An admin is not bounded.
    ok(post("/key/generate", "{\"user_id\": \"u-rate\", \"rpm_limit\": 100000}"));
  }

  @Test
  void teamMember_mayNotManageTheTeam() {
    assertRefused(
        send(
            Caller.TEAM_MEMBER,
            post("/team/member_add", "{\"team_id\": \"t-1\", \"member\": {\"user_id\": \"x\"}}")),
        403);
    assertRefused(send(Caller.TEAM_MEMBER, post("/key/generate", "{\"team_id\": \"t-1\"}")), 403);
  }

  @Test
  void refusedCaller_bodyIsNeverRead() throws Exception {
    // 64 MiB is twice the body limit: a keyless caller is refused before any of it is buffered.
    byte[] big = new byte[64 << 20];
    HttpResponse<String> r;
    try {
      r =
          gw.http()
              .send(
                  HttpRequest.newBuilder(gw.uri("/key/generate"))
                      .POST(HttpRequest.BodyPublishers.ofByteArray(big))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      // The gateway may close the connection after answering, before the client sent it all.
      return;
    }
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
  }

  private static void assertRefused(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(json(r).path("error").path("type").asText())
        .isEqualTo(status == 401 ? "authentication_error" : "permission_error");
  }

  private static Row row(String route, Supplier<Req> request, Set<Caller> allowed) {
    return new Row(route, request, allowed);
  }

  private static Req post(String path, String body) {
    return new Req("POST", path, body);
  }

  private static Req get(String path) {
    return new Req("GET", path, null);
  }

  private static String id(String prefix) {
    return prefix + "-x" + SEQ.incrementAndGet();
  }

  private static String model(String id) {
    return "{\"model_name\": \"m-"
        + id
        + "\", \"litellm_params\": {\"model\": \"openai/acme-"
        + id
        + "\", \"api_base\": \"http://127.0.0.1:9\"}, \"model_info\": {\"id\": \""
        + id
        + "\"}}";
  }

  /** A new key of {@code u-other}, made by the master key. */
  private static String otherKey() {
    return json(ok(post("/key/generate", "{\"user_id\": \"u-other\"}"))).path("key").asText();
  }

  /** A new entity made by the master key with {@code path}; its id. */
  private static String fresh(String path, String field) {
    String id = id("f");
    ok(
        post(
            path,
            "{\""
                + field
                + "\": \""
                + id
                + "\""
                + (path.startsWith("/budget") ? ", \"max_budget\": 1" : "")
                + "}"));
    return id;
  }

  private static String blockedCustomer() {
    String c = fresh("/customer/new", "user_id");
    ok(post("/customer/block", "{\"user_ids\": [\"" + c + "\"]}"));
    return c;
  }

  /** A new member of organization o-1, added by the master key; its user id. */
  private static String orgMember() {
    String u = id("om");
    ok(
        post(
            "/organization/member_add",
            "{\"organization_id\": \"o-1\", \"member\": {\"user_id\": \""
                + u
                + "\", \"role\": \"internal_user\"}}"));
    return u;
  }

  private static String userKey(String user, String role) {
    ok(
        post(
            "/user/new",
            "{\"user_id\": \""
                + user
                + "\", \"user_role\": \""
                + role
                + "\", \"auto_create_key\": false}"));
    return json(ok(post("/key/generate", "{\"user_id\": \"" + user + "\"}"))).path("key").asText();
  }

  /** Everything a write could change, read by the master key. */
  private static String state() {
    StringBuilder s = new StringBuilder();
    for (String path :
        List.of(
            "/key/list?return_full_object=true&size=1000",
            "/user/list",
            "/team/list",
            "/organization/list",
            "/customer/list",
            "/tag/list",
            "/budget/list",
            "/v1/model/info")) {
      s.append(ok(get(path)).body()).append('\n');
    }
    return s.toString();
  }

  private static HttpResponse<String> ok(Req req) {
    HttpResponse<String> r = send(Caller.MASTER, req);
    assertThat(r.statusCode()).as(req + ": " + r.body()).isEqualTo(200);
    return r;
  }

  private static HttpResponse<String> ok(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.request().uri() + ": " + r.body()).isEqualTo(200);
    return r;
  }

  private static HttpResponse<String> send(Caller caller, Req req) {
    return sendAs(KEYS.get(caller), req);
  }

  private static HttpResponse<String> sendAs(@Nullable String key, Req req) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri(req.path()));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    String body = req.body();
    if (body == null) {
      b.GET();
    } else {
      b.header("Content-Type", "application/json")
          .method(req.method(), HttpRequest.BodyPublishers.ofString(body));
    }
    return gw.send(b.build());
  }

  private static JsonNode json(HttpResponse<String> r) {
    try {
      return Json.MAPPER.readTree(r.body());
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + r.body(), e);
    }
  }
}

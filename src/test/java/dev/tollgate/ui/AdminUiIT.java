package dev.tollgate.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.Map;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin UI against a real gateway over loopback HTTP, with a fake OpenAI upstream: login and
 * logout (on one instance and across two sharing a store), the signed session cookie, CSRF, a
 * viewer who can change nothing, internal users who see and manage only their own keys, a key
 * created in the UI that is used, refused by its budget, and shown refused on its page, and edit
 * forms that clear a field.
 */
class AdminUiIT {
  FakeOpenAi upstream;
  TestGateway gw;

  @BeforeEach
  void start() {
    upstream = UiGateway.upstream();
    gw =
        UiGateway.start(
            upstream,
            Map.of(
                "TOLLGATE_MASTER_KEY",
                TestGateway.MASTER_KEY,
                "UI_USERNAME",
                "ops",
                "UI_PASSWORD",
                "correct horse"));
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  @Test
  void login_masterKey_setsStrictSignedCookie_thenLogoutEndsIt() {
    UiSession ui = new UiSession(gw);
    assertThat(ui.get("/ui/keys").headers().firstValue("location")).contains("/ui/login");
    HttpResponse<String> bare = ui.get("/ui");
    assertThat(bare.headers().firstValue("location"))
        .as(bare.statusCode() + " " + bare.body())
        .contains("/ui/");

    HttpResponse<String> login = ui.login(Map.of("key", TestGateway.MASTER_KEY));
    assertThat(login.statusCode()).isEqualTo(303);
    String cookie =
        login.headers().allValues("set-cookie").stream()
            .filter(c -> c.startsWith(AdminUi.SESSION_COOKIE + "="))
            .findFirst()
            .orElseThrow();
    assertThat(cookie)
        .containsIgnoringCase("HttpOnly")
        .contains("SameSite=Strict")
        .contains("Path=/ui")
        .contains("Max-Age=" + AdminUi.SESSION_SECONDS);

    HttpResponse<String> overview = ui.get("/ui/");
    assertThat(overview.statusCode()).isEqualTo(200);
    assertThat(overview.headers().firstValue("content-security-policy"))
        .hasValueSatisfying(
            csp -> assertThat(csp).contains("script-src 'self'").doesNotContain("unsafe"));
    Document page = org.jsoup.Jsoup.parse(overview.body());
    assertThat(page.expectFirst("#who").text()).isEqualTo("master key");
    // No inline script: every script is a file from /ui/static.
    assertThat(page.select("script"))
        .isNotEmpty()
        .allSatisfy(
            s -> {
              assertThat(s.attr("src")).startsWith("/ui/static/");
              assertThat(s.data()).isBlank();
            });
    assertThat(page.select("[style]")).isEmpty();
    JsonNode htmx = UiGateway.json(page.expectFirst("meta[name=htmx-config]").attr("content"));
    assertThat(htmx.path("allowEval").asBoolean(true)).isFalse();
    HttpResponse<String> script = ui.get(page.expectFirst("script").attr("src"));
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.headers().firstValue("cache-control"))
        .contains("public, max-age=31536000, immutable");

    assertThat(ui.post("/ui/logout", Map.of()).statusCode()).isEqualTo(403);
    assertThat(ui.cookies).containsKey(AdminUi.SESSION_COOKIE);
    HttpResponse<String> logout = ui.post("/ui/logout", Map.of("_csrf", csrf(page)));
    assertThat(logout.statusCode()).isEqualTo(303);
    assertThat(logout.headers().firstValue("location")).contains("/ui/login");
    assertThat(ui.cookies).doesNotContainKey(AdminUi.SESSION_COOKIE);
    assertThat(ui.get("/ui/").headers().firstValue("location")).contains("/ui/login");
  }

  @Test
  void logout_thenTheSameCookieReplayed_isRefused() {
    UiSession ui = UiSession.loggedIn(gw, TestGateway.MASTER_KEY);
    String cookie = java.util.Objects.requireNonNull(ui.cookies.get(AdminUi.SESSION_COOKIE));
    String csrf = ui.csrf("/ui/keys");

    assertThat(ui.post("/ui/logout", Map.of("_csrf", csrf)).statusCode()).isEqualTo(303);
    ui.cookies.put(AdminUi.SESSION_COOKIE, cookie);

    assertThat(ui.get("/ui/keys").headers().firstValue("location")).contains("/ui/login");
    HttpResponse<String> post = ui.post("/ui/keys", Map.of("key_alias", "after", "_csrf", csrf));
    assertThat(post.statusCode()).as(post.body()).isEqualTo(401);
  }

  @Test
  void logout_onOneInstance_isRefusedByAnotherSharingTheStore() {
    Map<String, String> env =
        Map.of(
            "TOLLGATE_MASTER_KEY",
            TestGateway.MASTER_KEY,
            "DATABASE_URL",
            dev.tollgate.testing.TestPostgres.freshDatabase());
    try (TestGateway a = UiGateway.start(upstream, env);
        TestGateway b = UiGateway.start(upstream, env)) {
      UiSession onA = UiSession.loggedIn(a, TestGateway.MASTER_KEY);
      String cookie = java.util.Objects.requireNonNull(onA.cookies.get(AdminUi.SESSION_COOKIE));
      UiSession onB = new UiSession(b);
      onB.cookies.put(AdminUi.SESSION_COOKIE, cookie);
      // The signed cookie works on both while the session lasts.
      assertThat(onB.get("/ui/keys").statusCode()).isEqualTo(200);

      HttpResponse<String> logout = onA.post("/ui/logout", Map.of("_csrf", onA.csrf("/ui/keys")));
      assertThat(logout.statusCode()).isEqualTo(303);

      HttpResponse<String> refused = onB.get("/ui/keys");
      assertThat(refused.statusCode()).isEqualTo(303);
      assertThat(refused.headers().firstValue("location")).contains("/ui/login");
      // Another session of the same login is not touched.
      assertThat(UiSession.loggedIn(b, TestGateway.MASTER_KEY).get("/ui/keys").statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void login_uiUsernameAndPassword_onlyWithTheRightPassword() {
    UiSession wrong = new UiSession(gw);
    HttpResponse<String> refused = wrong.login(Map.of("username", "ops", "password", "wrong"));
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(org.jsoup.Jsoup.parse(refused.body()).selectFirst("#login-error")).isNotNull();
    assertThat(wrong.cookies).doesNotContainKey(AdminUi.SESSION_COOKIE);

    UiSession ok = new UiSession(gw);
    assertThat(ok.login(Map.of("username", "ops", "password", "correct horse")).statusCode())
        .isEqualTo(303);
    assertThat(ok.page("/ui/").expectFirst("#who").text()).isEqualTo("ops");
  }

  @Test
  void login_afterTooManyFailures_isRefusedEvenWithTheRightKey() {
    UiSession ui = new UiSession(gw);
    for (int i = 0; i < LoginLimiter.MAX_FAILURES; i++) {
      assertThat(ui.login(Map.of("key", "sk-wrong-" + i)).statusCode()).isEqualTo(401);
    }

    HttpResponse<String> refused = ui.login(Map.of("key", TestGateway.MASTER_KEY));

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("retry-after"))
        .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
    assertThat(org.jsoup.Jsoup.parse(refused.body()).expectFirst("#login-error").text())
        .contains("too many failed logins");
    assertThat(ui.cookies).doesNotContainKey(AdminUi.SESSION_COOKIE);
  }

  @Test
  void login_withoutTheFormToken_isRefused() {
    UiSession ui = new UiSession(gw);
    ui.get("/ui/login");
    HttpResponse<String> r = ui.post("/ui/login", Map.of("key", TestGateway.MASTER_KEY));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(ui.cookies).doesNotContainKey(AdminUi.SESSION_COOKIE);
  }

  @Test
  void sessionCookie_withABadOrMissingSignature_isRefused() {
    UiSession ui = UiSession.loggedIn(gw, TestGateway.MASTER_KEY);
    String good = java.util.Objects.requireNonNull(ui.cookies.get(AdminUi.SESSION_COOKIE));
    assertThat(ui.get("/ui/keys").statusCode()).isEqualTo(200);
    int dot = good.indexOf('.');
    String body = good.substring(0, dot);
    String signature = good.substring(dot + 1);
    char last = signature.charAt(0);
    for (String forged :
        new String[] {
          body + "." + (last == 'A' ? 'B' : 'A') + signature.substring(1),
          body,
          body + ".",
          // Another subject under the old signature.
          java.util.Base64.getUrlEncoder()
                  .withoutPadding()
                  .encodeToString(
                      "v1|KEY|eA|9999999999|n".getBytes(java.nio.charset.StandardCharsets.UTF_8))
              + "."
              + signature
        }) {
      ui.cookies.put(AdminUi.SESSION_COOKIE, forged);
      HttpResponse<String> r = ui.get("/ui/keys");
      assertThat(r.statusCode()).as(forged).isEqualTo(303);
      assertThat(r.headers().firstValue("location")).contains("/ui/login");
    }
  }

  @Test
  void post_withoutOrWithAnotherSessionsCsrfToken_isRefusedAndChangesNothing() throws Exception {
    UiSession ui = UiSession.loggedIn(gw, TestGateway.MASTER_KEY);
    UiSession other = UiSession.loggedIn(gw, TestGateway.MASTER_KEY);
    int before = UiGateway.keyCount(gw);

    HttpResponse<String> none = ui.post("/ui/keys", Map.of("key_alias", "no-token"));
    HttpResponse<String> foreign =
        ui.post("/ui/keys", Map.of("key_alias", "foreign", "_csrf", other.csrf("/ui/keys")));

    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(UiGateway.keyCount(gw)).isEqualTo(before);
    // With its own token the same form works.
    HttpResponse<String> ok =
        ui.post("/ui/keys", Map.of("key_alias", "with-token", "_csrf", ui.csrf("/ui/keys")));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(UiGateway.keyCount(gw)).isEqualTo(before + 1);
  }

  @Test
  void viewer_seesNoMutatingButtons_andAForgedPostIsRefused() throws Exception {
    String viewerKey = userKey("viewer-1", "proxy_admin_viewer");
    HttpResponse<String> target = gw.post("/key/generate", "{\"key_alias\":\"target\"}");
    String token = UiGateway.json(target.body()).path("token").asText();

    UiSession viewer = UiSession.loggedIn(gw, viewerKey);
    Document keys = viewer.page("/ui/keys");
    assertThat(keys.selectFirst("#read-only")).isNotNull();
    assertThat(keys.select("#keys tr[data-token=" + token + "]")).hasSize(1);
    assertThat(keys.selectFirst("#create-key")).isNull();
    assertThat(keys.select("form[method=post]"))
        .as("the only form that posts is logout")
        .extracting(e -> e.attr("action"))
        .containsExactly("/ui/logout");
    Document key = viewer.page("/ui/keys/" + token);
    assertThat(key.select("form[method=post]"))
        .extracting(e -> e.attr("action"))
        .containsExactly("/ui/logout");

    int before = UiGateway.keyCount(gw);
    String csrf = csrf(keys);
    HttpResponse<String> create =
        viewer.post("/ui/keys", Map.of("key_alias", "forged", "_csrf", csrf));
    HttpResponse<String> block = viewer.post("/ui/keys/" + token + "/block", Map.of("_csrf", csrf));
    HttpResponse<String> delete =
        viewer.post("/ui/keys/" + token + "/delete", Map.of("_csrf", csrf));

    assertThat(create.statusCode()).as(create.body()).isEqualTo(403);
    assertThat(block.statusCode()).as(block.body()).isEqualTo(403);
    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(403);
    assertThat(UiGateway.keyCount(gw)).isEqualTo(before);
    assertThat(
            UiGateway.json(gw.get("/key/info?key=" + token).body())
                .path("info")
                .path("blocked")
                .asBoolean())
        .isFalse();
  }

  @Test
  void keyCreatedInTheUi_servesRequests_untilItsBudgetRefuses_andItsPageShowsWhich()
      throws Exception {
    UiSession ui = UiSession.loggedIn(gw, TestGateway.MASTER_KEY);
    HttpResponse<String> created =
        ui.post(
            "/ui/keys",
            Map.of("key_alias", "ui-key", "max_budget", "0.0001", "_csrf", ui.csrf("/ui/keys")));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    assertThat(created.headers().firstValue("cache-control")).contains("no-store");
    Document page = org.jsoup.Jsoup.parse(created.body());
    String secret = page.expectFirst("#secret").text();
    assertThat(secret).startsWith("sk-");
    String token = dev.tollgate.governance.KeySecrets.hash(secret);

    // The secret is shown once: the key's page never shows it again.
    Document again = ui.page("/ui/keys/" + token);
    assertThat(again.selectFirst("#secret")).isNull();
    assertThat(again.selectFirst("#blocking-none")).isNotNull();

    // 0.000074 each: the second takes spend to 0.000148, past 0.0001, and the third is refused.
    assertThat(UiGateway.chat(gw, secret).statusCode()).isEqualTo(200);
    assertThat(UiGateway.chat(gw, secret).statusCode()).isEqualTo(200);
    UiGateway.awaitSpend(gw, token, new java.math.BigDecimal("0.000148"));
    HttpResponse<String> refused = UiGateway.chat(gw, secret);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);

    Document key = ui.page("/ui/keys/" + token);
    assertThat(key.expectFirst("#key-spend").text()).isEqualTo("$0.000148");
    assertThat(key.selectFirst("#blocking")).as(key.outerHtml()).isNotNull();
    Element blocking = key.expectFirst("#blocking");
    assertThat(blocking.text()).contains("key budget").contains("$0.000148").contains("$0.0001");
    Element row = key.expectFirst("#budget-chain tr.exhausted");
    assertThat(row.attr("data-level")).isEqualTo("key");
    assertThat(row.select("td").get(2).text()).isEqualTo("$0.000148");
    assertThat(row.select("td").get(4).text()).isEqualTo("$0.0001");

    // The requests are in the spend logs, filtered by the key's alias.
    Document spend = ui.page("/ui/spend?key=ui-key");
    for (int i = 0; i < 500 && spend.select("#spend tbody tr").size() < 3; i++) {
      // The refused request's record is written after its answer.
      Thread.sleep(10);
      spend = ui.page("/ui/spend?key=ui-key");
    }
    assertThat(spend.select("#spend tbody tr")).hasSize(3);
    assertThat(spend.select("#spend tbody tr td.money").eachText())
        .containsExactlyInAnyOrder("$0.000074", "$0.000074", "$0");
  }

  @Test
  void unknownPrice_bannerOnTheOverview_linksToThePricingGaps() {
    UiSession ui = UiSession.loggedIn(gw, TestGateway.MASTER_KEY);
    Element banner = ui.page("/ui/").expectFirst("#unknown-price-banner");
    assertThat(banner.expectFirst("a").attr("href")).isEqualTo("/ui/pricing");

    Document gaps = ui.page("/ui/pricing");
    assertThat(gaps.select("#gaps tbody tr").eachAttr("data-id")).containsExactly("unknown-1");

    Document models = ui.page("/ui/models");
    assertThat(models.expectFirst("tr[data-id=custom-1] .price").text()).isEqualTo("priced/custom");
    assertThat(models.expectFirst("tr[data-id=custom-1]").select("td.money").eachText())
        .containsExactly("2", "10");
    assertThat(models.expectFirst("tr[data-id=unknown-1] .price").text()).isEqualTo("unknown");
  }

  @Test
  void settings_showsConfigStoreAndSpendLog_withoutAnySecret() {
    String apiKey = "sk-upstream-secret-4f9a1c";
    String header = "header-secret-7d2e5b";
    try (TestGateway secrets =
        TestGateway.start(
            """
            model_list:
              - model_name: custom
                litellm_params: {model: openai/acme-internal, api_base: %s, api_key: %s,
                                 extra_headers: {X-Tenant-Token: %s},
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: custom-1}
            router_settings: {routing_strategy: simple-shuffle, num_retries: 2}
            general_settings: {master_key: %s}
            """
                .formatted(upstream.apiBase(), apiKey, header, TestGateway.MASTER_KEY),
            Map.of())) {
      UiSession ui = UiSession.loggedIn(secrets, TestGateway.MASTER_KEY);
      Document page = ui.page("/ui/");
      assertThat(page.expectFirst("nav a[href=/ui/settings]").text()).isEqualTo("Settings");

      Document settings = ui.page("/ui/settings");
      assertThat(settings.expectFirst("#general tr[data-name=master_key] td").text())
          .isEqualTo("set");
      assertThat(settings.expectFirst("#router tr[data-name=num_retries] td").text())
          .isEqualTo("2");
      String deployments = settings.expectFirst("#deployments").text();
      assertThat(deployments).contains("openai/acme-internal").contains("custom-1");
      assertThat(settings.expectFirst("#store tr[data-name=store] td").text()).startsWith("SQLite");
      assertThat(settings.expectFirst("#store tr[data-name=state] td").text()).isEqualTo("up");
      assertThat(settings.expectFirst("#spend-log tr[data-name=dead-lettered] td").text())
          .isEqualTo("0");
      String html = settings.outerHtml();
      assertThat(html)
          .doesNotContain(TestGateway.MASTER_KEY)
          .doesNotContain(apiKey)
          .doesNotContain(header);
    }
  }

  @Test
  void internalUser_seesOnlyItsOwnKeysAndSpend_andNoOtherPage() throws Exception {
    String own = userKey("internal-1", "internal_user");
    String ownToken = dev.tollgate.governance.KeySecrets.hash(own);
    JsonNode other = ok(gw.post("/key/generate", "{\"key_alias\":\"other\",\"user_id\":\"u2\"}"));
    String otherToken = other.path("token").asText();
    assertThat(UiGateway.chat(gw, own).statusCode()).isEqualTo(200);
    assertThat(UiGateway.chat(gw, other.path("key").asText()).statusCode()).isEqualTo(200);
    UiGateway.awaitLogged(gw, "internal-1", 1);
    UiGateway.awaitLogged(gw, "u2", 1);

    UiSession ui = UiSession.loggedIn(gw, own);

    Document overview = ui.page("/ui/");
    assertThat(overview.select("nav a").eachAttr("href"))
        .containsExactly("/ui/", "/ui/keys", "/ui/spend");
    assertThat(overview.selectFirst("#read-only")).isNull();
    // Only its own request, not the other user's.
    assertThat(overview.expectFirst("#periods tbody tr").select("td").eachText())
        .startsWith("Today (UTC)", "$0.000074", "1");
    Document keys = ui.page("/ui/keys");
    assertThat(keys.select("#keys tr[data-token]").eachAttr("data-token"))
        .containsExactly(ownToken);
    assertThat(ui.page("/ui/keys?q=other").select("#keys tr[data-token]")).isEmpty();
    assertThat(ui.page("/ui/keys/" + ownToken).selectFirst("#budget-chain")).isNotNull();
    HttpResponse<String> otherKey = ui.get("/ui/keys/" + otherToken);
    assertThat(otherKey.statusCode()).isEqualTo(403);
    assertThat(errorText(otherKey)).contains("ask an admin for others").doesNotContain("u2");

    Document spend = ui.page("/ui/spend");
    assertThat(spend.select("#spend tbody tr td:eq(3)").eachText()).containsExactly("internal-1");
    assertThat(ui.get("/ui/spend?user=u2").statusCode()).isEqualTo(403);
    String otherRequest = ok(gw.get("/spend/logs?user_id=u2")).get(0).path("request_id").asText();
    assertThat(ui.get("/ui/spend/" + otherRequest).statusCode()).isEqualTo(404);

    // A key of its team that it may read (LiteLLM's default member permissions) but not change.
    ok(gw.post("/team/new", "{\"team_id\":\"t1\"}"));
    ok(
        gw.post(
            "/team/member_add",
            "{\"team_id\":\"t1\",\"member\":{\"user_id\":\"internal-1\",\"role\":\"user\"}}"));
    String teamToken =
        ok(gw.post("/key/generate", "{\"key_alias\":\"team-key\",\"team_id\":\"t1\"}"))
            .path("token")
            .asText();
    Document teamKey = ui.page("/ui/keys/" + teamToken);
    assertThat(teamKey.expectFirst("#key-name").text()).isEqualTo("team-key");
    assertThat(teamKey.select("form[method=post]").eachAttr("action"))
        .containsExactly("/ui/logout");
    // Its own key in that team is listed, but only the key it may change offers Delete: the
    // team's default member permissions do not include /key/delete.
    String ownTeamToken =
        ok(gw.post(
                "/key/generate",
                "{\"key_alias\":\"own-team-key\",\"team_id\":\"t1\",\"user_id\":\"internal-1\"}"))
            .path("token")
            .asText();
    Document listed = ui.page("/ui/keys");
    assertThat(listed.select("#keys tr[data-token]").eachAttr("data-token"))
        .containsExactlyInAnyOrder(ownToken, ownTeamToken);
    assertThat(listed.select("#keys form[action$=/delete]").eachAttr("action"))
        .containsExactly("/ui/keys/" + ownToken + "/delete");
    HttpResponse<String> refused =
        ui.post("/ui/keys/" + ownTeamToken + "/delete", Map.of("_csrf", ui.csrf("/ui/keys")));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(errorText(refused)).doesNotContain("CSRF");
    assertThat(ok(gw.get("/key/info?key=" + ownTeamToken)).path("info").path("key_alias").asText())
        .isEqualTo("own-team-key");

    for (String page :
        new String[] {
          "/ui/teams",
          "/ui/users",
          "/ui/users/internal-1",
          "/ui/models",
          "/ui/pricing",
          "/ui/settings",
          "/ui/budgets"
        }) {
      assertThat(ui.get(page).statusCode()).as(page).isEqualTo(403);
    }
  }

  @Test
  void internalUser_managesItsOwnKeys_withinWhatTheApiLetsIt() throws Exception {
    String own = userKey("internal-1", "internal_user");
    ok(gw.post("/user/update", "{\"user_id\":\"internal-1\",\"max_budget\":1}"));
    JsonNode other = ok(gw.post("/key/generate", "{\"key_alias\":\"other\",\"user_id\":\"u2\"}"));
    String otherToken = other.path("token").asText();
    UiSession ui = UiSession.loggedIn(gw, own);
    Document keys = ui.page("/ui/keys");
    String csrf = csrf(keys);
    assertThat(keys.selectFirst("#create-key")).isNotNull();

    HttpResponse<String> created =
        ui.post("/ui/keys", Map.of("key_alias", "mine", "max_budget", "0.5", "_csrf", csrf));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    String secret = org.jsoup.Jsoup.parse(created.body()).expectFirst("#secret").text();
    String token = dev.tollgate.governance.KeySecrets.hash(secret);
    JsonNode info = ok(gw.get("/key/info?key=" + token)).path("info");
    assertThat(info.path("user_id").asText()).isEqualTo("internal-1");
    assertThat(UiGateway.chat(gw, secret).statusCode()).isEqualTo(200);

    // The API's refusals, with its messages: another user's key, a budget above its user's.
    HttpResponse<String> forOther =
        ui.post("/ui/keys", Map.of("key_alias", "x", "user_id", "u2", "_csrf", csrf));
    assertThat(forOther.statusCode()).isEqualTo(403);
    assertThat(errorText(forOther)).contains("only be created for the caller's own user_id");
    HttpResponse<String> over =
        ui.post("/ui/keys", Map.of("key_alias", "big", "max_budget", "5", "_csrf", csrf));
    assertThat(over.statusCode()).isEqualTo(403);
    assertThat(errorText(over)).contains("max_budget may not be above the max_budget of your user");
    HttpResponse<String> raise =
        ui.post("/ui/keys/" + token + "/update", Map.of("max_budget", "0.9", "_csrf", csrf));
    assertThat(raise.statusCode()).isEqualTo(403);
    assertThat(errorText(raise)).contains("max_budget may not be above the max_budget of the key");

    // Within them: edit, regenerate and delete its own key; block is an admin's (the API's table).
    Document page = ui.page("/ui/keys/" + token);
    assertThat(page.select("main form[method=post]").eachAttr("action"))
        .containsExactlyInAnyOrder(
            "/ui/keys/" + token + "/update",
            "/ui/keys/" + token + "/regenerate",
            "/ui/keys/" + token + "/delete");
    HttpResponse<String> edit =
        ui.post("/ui/keys/" + token + "/update", Map.of("max_budget", "0.25", "_csrf", csrf));
    assertThat(edit.statusCode()).as(edit.body()).isEqualTo(303);
    assertThat(ok(gw.get("/key/info?key=" + token)).path("info").path("max_budget").decimalValue())
        .isEqualByComparingTo("0.25");
    HttpResponse<String> regenerated =
        ui.post("/ui/keys/" + token + "/regenerate", Map.of("_csrf", csrf));
    assertThat(regenerated.statusCode()).as(regenerated.body()).isEqualTo(200);
    String newSecret = org.jsoup.Jsoup.parse(regenerated.body()).expectFirst("#secret").text();
    assertThat(UiGateway.chat(gw, secret).statusCode()).isEqualTo(401);
    assertThat(UiGateway.chat(gw, newSecret).statusCode()).isEqualTo(200);
    String newToken = dev.tollgate.governance.KeySecrets.hash(newSecret);
    assertThat(ui.post("/ui/keys/" + newToken + "/block", Map.of("_csrf", csrf)).statusCode())
        .isEqualTo(403);

    // Another user's key: no change, whatever the post.
    for (String action : new String[] {"update", "regenerate", "delete", "block"}) {
      HttpResponse<String> r =
          ui.post(
              "/ui/keys/" + otherToken + "/" + action, Map.of("max_budget", "0.1", "_csrf", csrf));
      assertThat(r.statusCode()).as(action + ": " + r.body()).isEqualTo(403);
    }
    JsonNode untouched = ok(gw.get("/key/info?key=" + otherToken)).path("info");
    assertThat(untouched.path("max_budget").isNull()).isTrue();
    assertThat(untouched.path("blocked").asBoolean()).isFalse();
    assertThat(UiGateway.chat(gw, other.path("key").asText()).statusCode()).isEqualTo(200);

    HttpResponse<String> deleted =
        ui.post("/ui/keys/" + newToken + "/delete", Map.of("_csrf", csrf));
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(303);
    assertThat(gw.get("/key/info?key=" + newToken).statusCode()).isEqualTo(404);
  }

  @Test
  void internalUserViewer_seesItsOwnKeys_butNoButtons_andAForgedPostIsRefused() throws Exception {
    String own = userKey("reader-1", "internal_user_viewer");
    String ownToken = dev.tollgate.governance.KeySecrets.hash(own);
    UiSession ui = UiSession.loggedIn(gw, own);

    Document keys = ui.page("/ui/keys");
    assertThat(keys.selectFirst("#read-only")).isNotNull();
    assertThat(keys.select("#keys tr[data-token]").eachAttr("data-token"))
        .containsExactly(ownToken);
    assertThat(keys.select("form[method=post]").eachAttr("action")).containsExactly("/ui/logout");
    assertThat(ui.page("/ui/keys/" + ownToken).select("form[method=post]").eachAttr("action"))
        .containsExactly("/ui/logout");

    int before = UiGateway.keyCount(gw);
    String csrf = csrf(keys);
    HttpResponse<String> create = ui.post("/ui/keys", Map.of("key_alias", "forged", "_csrf", csrf));
    HttpResponse<String> update =
        ui.post("/ui/keys/" + ownToken + "/update", Map.of("key_alias", "forged", "_csrf", csrf));
    HttpResponse<String> delete =
        ui.post("/ui/keys/" + ownToken + "/delete", Map.of("_csrf", csrf));
    assertThat(create.statusCode()).as(create.body()).isEqualTo(403);
    assertThat(update.statusCode()).as(update.body()).isEqualTo(403);
    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(403);
    assertThat(UiGateway.keyCount(gw)).isEqualTo(before);
    assertThat(ok(gw.get("/key/info?key=" + ownToken)).path("info").path("key_alias").isNull())
        .isTrue();
  }

  @Test
  void login_keyWithoutAUserRole_isRefused() throws Exception {
    String plain = ok(gw.post("/key/generate", "{\"key_alias\":\"plain\"}")).path("key").asText();

    HttpResponse<String> r = new UiSession(gw).login(Map.of("key", plain));

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(org.jsoup.Jsoup.parse(r.body()).expectFirst("#login-error").text())
        .contains("internal_user");
  }

  @Test
  void editForm_emptiedField_removesTheLimit_andTheNextRequestIsServed() throws Exception {
    JsonNode created =
        ok(
            gw.post(
                "/key/generate",
                "{\"key_alias\":\"capped\",\"max_budget\":0.0001,\"rpm_limit\":100,"
                    + "\"tpm_limit\":100000}"));
    String secret = created.path("key").asText();
    String token = created.path("token").asText();
    assertThat(UiGateway.chat(gw, secret).statusCode()).isEqualTo(200);
    assertThat(UiGateway.chat(gw, secret).statusCode()).isEqualTo(200);
    UiGateway.awaitSpend(gw, token, new java.math.BigDecimal("0.000148"));
    assertThat(UiGateway.chat(gw, secret).statusCode()).isEqualTo(429);
    UiSession ui = UiSession.loggedIn(gw, TestGateway.MASTER_KEY);

    // The form shows the current values; the browser posts every field, changed or not.
    Element form = ui.page("/ui/keys/" + token).expectFirst("#edit-key");
    Map<String, String> fields = formFields(form);
    assertThat(fields)
        .containsEntry("key_alias", "capped")
        .containsEntry("max_budget", "0.0001")
        .containsEntry("rpm_limit", "100");
    fields.put("max_budget", "");
    fields.put("rpm_limit", " ");
    // A field the form does not carry stays as it is.
    fields.remove("tpm_limit");
    fields.remove(PageData.shownField("tpm_limit"));
    HttpResponse<String> saved = ui.post(form.attr("action"), fields);
    assertThat(saved.statusCode()).as(saved.body()).isEqualTo(303);

    JsonNode info = ok(gw.get("/key/info?key=" + token)).path("info");
    assertThat(info.path("max_budget").isNull()).as(info.toString()).isTrue();
    assertThat(info.path("rpm_limit").isNull()).as(info.toString()).isTrue();
    assertThat(info.path("tpm_limit").asLong()).isEqualTo(100_000);
    assertThat(info.path("key_alias").asText()).isEqualTo("capped");
    Document page = ui.page("/ui/keys/" + token);
    assertThat(page.select("dl.facts dt:contains(Max budget) + dd").text()).isEqualTo("none");
    assertThat(page.expectFirst("#edit-key input[name=max_budget]").val()).isEmpty();
    assertThat(page.selectFirst("#blocking-none")).isNotNull();
    HttpResponse<String> served = UiGateway.chat(gw, secret);
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
  }

  @Test
  void entityEditForm_emptiedField_removesIt_andUntouchedFieldsStay() throws Exception {
    ok(
        gw.post(
            "/team/new",
            "{\"team_id\":\"t1\",\"team_alias\":\"Team one\",\"max_budget\":10,"
                + "\"budget_duration\":\"30d\"}"));
    UiSession ui = UiSession.loggedIn(gw, TestGateway.MASTER_KEY);
    Element form = ui.page("/ui/teams/t1").expectFirst("#edit");
    Map<String, String> fields = formFields(form);
    assertThat(fields).containsEntry("max_budget", "10").containsEntry("budget_duration", "30d");

    fields.put("max_budget", "");
    fields.put("budget_duration", "");
    HttpResponse<String> saved = ui.post(form.attr("action"), fields);
    assertThat(saved.statusCode()).as(saved.body()).isEqualTo(303);

    JsonNode team = ok(gw.get("/team/info?team_id=t1")).path("team_info");
    assertThat(team.path("max_budget").isNull()).as(team.toString()).isTrue();
    assertThat(team.path("budget_duration").isNull()).as(team.toString()).isTrue();
    assertThat(team.path("team_alias").asText()).isEqualTo("Team one");
    assertThat(ui.page("/ui/teams/t1").expectFirst("#entity-max").text()).isEqualTo("none");
  }

  /** What a browser posts for {@code form}: each input's name and value. */
  private static Map<String, String> formFields(Element form) {
    Map<String, String> fields = new java.util.LinkedHashMap<>();
    for (Element input : form.select("input[name]")) {
      fields.put(input.attr("name"), input.val());
    }
    return fields;
  }

  private static String errorText(HttpResponse<String> r) {
    return org.jsoup.Jsoup.parse(r.body()).expectFirst("#error").text();
  }

  private static JsonNode ok(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return UiGateway.json(r.body());
  }

  private String userKey(String user, String role) throws Exception {
    HttpResponse<String> r =
        gw.post("/user/new", "{\"user_id\":\"" + user + "\",\"user_role\":\"" + role + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return UiGateway.json(r.body()).path("key").asText();
  }

  private static String csrf(Document page) {
    return page.expectFirst("input[name=_csrf]").val();
  }
}

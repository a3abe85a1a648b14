package dev.tollgate.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated;
import static org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated;

import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The admin UI in a real browser (headless Chromium): an operator's whole budget story from login
 * to the spend log, a viewer who can change nothing, an internal user who sees and manages only its
 * own keys, and tampered sessions and posts. Each page it passes is saved under {@code
 * target/ui-screenshots/}.
 */
class AdminUiBrowserIT {
  static ChromeDriver browser;

  FakeOpenAi upstream;
  TestGateway gw;

  @BeforeAll
  static void startBrowser() {
    browser = Browser.start();
  }

  @AfterAll
  static void quitBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @BeforeEach
  void start() {
    upstream = UiGateway.upstream();
    gw = UiGateway.start(upstream, Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY));
  }

  @AfterEach
  void stop() {
    browser.manage().deleteAllCookies();
    gw.close();
    upstream.close();
  }

  @Test
  void operator_createsTeamAndKey_seesTheRefusingBudget_raisesIt_andFindsTheRequest()
      throws Exception {
    logIn(TestGateway.MASTER_KEY);
    shot("overview");

    // A team with a member whose budget in the team shows on the team's page.
    open("/ui/teams");
    fill("#create", Map.of("team_id", "ui-team", "team_alias", "UI team", "max_budget", "10"));
    submit("#create");
    waitForText(By.id("entity-id"), "ui-team");
    fill("#add-member", Map.of("user_id", "alice", "max_budget_in_team", "5"));
    submit("#add-member");
    waitFor(By.cssSelector("#members tr[data-user=alice]"));
    assertThat(cells("#members tr[data-user=alice] td"))
        .containsSubsequence("alice", "user", "$0", "$5");
    shot("team");
    open("/ui/teams");
    assertThat(cells("#entities tr[data-id=ui-team] td")).contains("UI team", "$10");
    shot("teams");

    // A key with a budget of 0.0001 in that team: its secret is shown once.
    open("/ui/keys");
    fill(
        "#create-key", Map.of("key_alias", "ui-key", "max_budget", "0.0001", "team_id", "ui-team"));
    submit("#create-key");
    String secret = waitFor(By.id("secret")).getText();
    assertThat(secret).startsWith("sk-");
    shot("new-key");

    // 0.000074 a request: the second takes spend past 0.0001, and the next is refused.
    int served = 0;
    HttpResponse<String> last = UiGateway.chat(gw, secret);
    while (last.statusCode() == 200 && served < 10) {
      served++;
      UiGateway.awaitSpend(
          gw,
          dev.tollgate.governance.KeySecrets.hash(secret),
          new java.math.BigDecimal("0.000074").multiply(bd(served)));
      last = UiGateway.chat(gw, secret);
    }
    assertThat(last.statusCode()).as(last.body()).isEqualTo(429);
    assertThat(served).isEqualTo(2);

    open("/ui/keys?q=ui-key");
    browser.findElement(By.linkText("ui-key")).click();
    WebElement blocking = waitFor(By.id("blocking"));
    assertThat(blocking.getText()).contains("key budget").contains("$0.000148").contains("$0.0001");
    assertThat(
            browser
                .findElement(By.cssSelector("#budget-chain tr.exhausted"))
                .getDomAttribute("data-level"))
        .isEqualTo("key");
    assertThat(browser.findElements(By.cssSelector("#budget-chain tr[data-level=team]")))
        .hasSize(1);
    shot("key");

    // Raise the budget: the page says nothing blocks, and the next request is served.
    WebElement max = browser.findElement(By.cssSelector("#edit-key input[name=max_budget]"));
    assertThat(max.getDomProperty("value")).isEqualTo("0.0001");
    max.clear();
    max.sendKeys("1");
    submit("#edit-key");
    waitFor(By.id("blocking-none"));
    assertThat(
            browser
                .findElement(By.cssSelector("#edit-key input[name=max_budget]"))
                .getDomProperty("value"))
        .isEqualTo("1");
    HttpResponse<String> again = UiGateway.chat(gw, secret);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    String requestId = Json.MAPPER.readTree(again.body()).path("id").asText();
    assertThat(requestId).isNotEmpty();

    // The spend log, filtered in the form by the key's alias, has all four requests.
    open("/ui/spend");
    fill("#spend-filters", Map.of("key", "ui-key"));
    submit("#spend-filters");
    waitFor(By.cssSelector("#spend tbody tr"));
    for (int i = 0; i < 500 && rows("#spend tbody tr") < 4; i++) {
      // The last records are written in a batch after the answers.
      Thread.sleep(10);
      open("/ui/spend?key=ui-key");
    }
    assertThat(cells("#spend tbody tr td.money"))
        .containsExactlyInAnyOrder("$0.000074", "$0.000074", "$0", "$0.000074");
    assertThat(cells("#spend tbody tr td.status"))
        .containsExactlyInAnyOrder("200", "200", "429", "200");
    shot("spend");

    // One request's detail: its price, usage source, cost and status.
    browser.findElement(By.xpath("//table[@id='spend']//tr[td[@class='status']='429']//a")).click();
    waitForText(By.id("request-status"), "429");
    assertThat(browser.findElement(By.id("request-cost")).getText()).isEqualTo("$0");
    open("/ui/spend?key=ui-key");
    browser.findElement(By.xpath("//table[@id='spend']//tr[td[@class='status']='200']//a")).click();
    waitForText(By.id("request-status"), "200");
    assertThat(browser.findElement(By.id("request-cost")).getText()).isEqualTo("$0.000074");
    assertThat(browser.findElement(By.id("request-price")).getText()).isEqualTo("priced/custom");
    assertThat(browser.findElement(By.id("request-usage")).getText()).isEqualTo("provider");
    shot("request");

    // The unknown-priced model is flagged on the overview, the models page and the gaps.
    open("/ui/");
    // The charts: today's bar is the three served requests, of model "custom" and team ui-team.
    assertThat(attributes("#chart-model rect title"))
        .anySatisfy(t -> assertThat(t).endsWith("custom: $0.000222"));
    assertThat(attributes("#chart-team rect title"))
        .anySatisfy(t -> assertThat(t).endsWith("ui-team: $0.000222"));
    shot("overview");
    browser.findElement(By.cssSelector("#unknown-price-banner a")).click();
    waitFor(By.id("gaps"));
    assertThat(browser.findElement(By.cssSelector("#gaps tbody tr")).getDomAttribute("data-id"))
        .isEqualTo("unknown-1");
    shot("pricing");
    open("/ui/models");
    assertThat(
            browser
                .findElement(By.cssSelector("#models tr[data-id=unknown-1]"))
                .getDomAttribute("class"))
        .contains("unknown");
    assertThat(
            browser.findElement(By.cssSelector("#models tr[data-id=unknown-1] .price")).getText())
        .isEqualTo("unknown");
    shot("models");

    for (String page : List.of("users", "organizations", "customers", "tags", "budgets")) {
      open("/ui/" + page);
      waitFor(By.id("entities"));
      shot(page);
    }
  }

  @Test
  void viewer_seesNoButtons_andAForgedPostWithItsOwnSessionIsRefused() throws Exception {
    HttpResponse<String> user =
        gw.post("/user/new", "{\"user_id\":\"viewer-1\",\"user_role\":\"proxy_admin_viewer\"}");
    assertThat(user.statusCode()).as(user.body()).isEqualTo(200);
    gw.post("/key/generate", "{\"key_alias\":\"target\"}");
    gw.post("/team/new", "{\"team_id\":\"t1\"}");
    logIn(UiGateway.json(user.body()).path("key").asText());

    assertThat(browser.findElement(By.id("read-only")).getText()).isEqualTo("read-only");
    open("/ui/keys");
    assertThat(rows("#keys tr[data-token]")).isEqualTo(2);
    assertThat(browser.findElements(By.cssSelector("#create-key, #keys button"))).isEmpty();
    browser.findElement(By.linkText("target")).click();
    waitFor(By.id("budget-chain"));
    assertThat(browser.findElements(By.cssSelector("main button, main form[method=post]")))
        .isEmpty();
    open("/ui/teams/t1");
    assertThat(browser.findElements(By.cssSelector("main button, main form[method=post]")))
        .isEmpty();
    shot("viewer-team");

    // The browser's own session and CSRF token, posted by hand, still cannot create a key.
    open("/ui/keys");
    String csrf =
        browser.findElement(By.cssSelector("header input[name=_csrf]")).getDomProperty("value");
    int before = UiGateway.keyCount(gw);
    HttpResponse<String> forged =
        postWithBrowserSession("/ui/keys", "key_alias=forged&_csrf=" + csrf);
    assertThat(forged.statusCode()).as(forged.body()).isEqualTo(403);
    HttpResponse<String> team = postWithBrowserSession("/ui/teams", "team_id=forged&_csrf=" + csrf);
    assertThat(team.statusCode()).as(team.body()).isEqualTo(403);
    assertThat(UiGateway.keyCount(gw)).isEqualTo(before);
    assertThat(gw.get("/team/info?team_id=forged").statusCode()).isEqualTo(404);
  }

  @Test
  void internalUser_createsItsOwnKey_andCannotSeeAnotherUsersKey() throws Exception {
    HttpResponse<String> user =
        gw.post("/user/new", "{\"user_id\":\"internal-1\",\"user_role\":\"internal_user\"}");
    assertThat(user.statusCode()).as(user.body()).isEqualTo(200);
    HttpResponse<String> other =
        gw.post("/key/generate", "{\"key_alias\":\"someone-else\",\"user_id\":\"u2\"}");
    assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
    String otherToken = UiGateway.json(other.body()).path("token").asText();
    logIn(UiGateway.json(user.body()).path("key").asText());

    assertThat(cells("nav a")).containsExactly("Overview", "Keys", "Spend logs");
    assertThat(browser.findElements(By.id("read-only"))).isEmpty();
    open("/ui/keys");
    fill("#create-key", Map.of("key_alias", "my-key", "max_budget", "0.5"));
    submit("#create-key");
    String secret = waitFor(By.id("secret")).getText();
    assertThat(secret).startsWith("sk-");
    assertThat(browser.findElement(By.cssSelector("dl.facts")).getText()).contains("internal-1");
    shot("internal-new-key");
    assertThat(UiGateway.chat(gw, secret).statusCode()).isEqualTo(200);

    open("/ui/keys");
    waitFor(By.id("keys"));
    assertThat(cells("#keys tr[data-token] td:first-child"))
        .contains("my-key")
        .doesNotContain("someone-else");
    assertThat(rows("#keys tr[data-token='" + otherToken + "']")).isZero();
    shot("internal-keys");
    open("/ui/keys/" + otherToken);
    waitForText(By.id("error"), "ask an admin for others");
    assertThat(browser.findElements(By.id("key-name"))).isEmpty();
    shot("internal-other-key");
  }

  @Test
  void sessionCookie_withoutItsSignature_sendsTheBrowserToTheLogin() {
    logIn(TestGateway.MASTER_KEY);
    Cookie session =
        java.util.Objects.requireNonNull(browser.manage().getCookieNamed(AdminUi.SESSION_COOKIE));
    String unsigned = session.getValue().substring(0, session.getValue().indexOf('.'));
    browser.manage().deleteCookieNamed(AdminUi.SESSION_COOKIE);
    browser
        .manage()
        .addCookie(new Cookie.Builder(AdminUi.SESSION_COOKIE, unsigned).path("/ui").build());

    open("/ui/keys");

    assertThat(browser.getCurrentUrl()).endsWith("/ui/login");
    assertThat(browser.findElements(By.id("login"))).hasSize(1);
    assertThat(browser.findElements(By.id("keys"))).isEmpty();
  }

  @Test
  void post_withoutTheCsrfField_showsTheRefusal_andCreatesNothing() throws Exception {
    logIn(TestGateway.MASTER_KEY);
    open("/ui/keys");
    int before = UiGateway.keyCount(gw);
    browser.executeScript("document.querySelector('#create-key input[name=_csrf]').remove()");
    fill("#create-key", Map.of("key_alias", "no-csrf"));
    submit("#create-key");

    waitForText(By.id("error"), "CSRF");
    shot("csrf-refused");
    assertThat(UiGateway.keyCount(gw)).isEqualTo(before);
  }

  // --- helpers ---------------------------------------------------------------------------------

  private void logIn(String key) {
    open("/ui/login");
    shot("login");
    fill("#login", Map.of("key", key));
    submit("#login");
    waitFor(By.id("who"));
  }

  private void open(String path) {
    browser.get(gw.uri(path).toString());
  }

  private static void fill(String form, Map<String, String> fields) {
    fields.forEach(
        (name, value) -> {
          WebElement input =
              browser.findElement(By.cssSelector(form + " input[name=" + name + "]"));
          input.clear();
          input.sendKeys(value);
        });
  }

  private static void submit(String form) {
    browser.findElement(By.cssSelector(form + " button[type=submit]")).click();
  }

  private static WebElement waitFor(By by) {
    return Browser.waiting(browser).until(presenceOfElementLocated(by));
  }

  private static void waitForText(By by, String text) {
    Browser.waiting(browser).until(textToBePresentInElementLocated(by, text));
  }

  private static int rows(String css) {
    return browser.findElements(By.cssSelector(css)).size();
  }

  private static List<String> cells(String css) {
    return browser.findElements(By.cssSelector(css)).stream().map(WebElement::getText).toList();
  }

  /** The text content of each element, visible or not (an SVG title is never shown). */
  private static List<String> attributes(String css) {
    return browser.findElements(By.cssSelector(css)).stream()
        .map(e -> String.valueOf(e.getDomProperty("textContent")))
        .toList();
  }

  private static void shot(String name) {
    Browser.screenshot(browser, name);
  }

  private HttpResponse<String> postWithBrowserSession(String path, String form) {
    Cookie session =
        java.util.Objects.requireNonNull(browser.manage().getCookieNamed(AdminUi.SESSION_COOKIE));
    return gw.send(
        HttpRequest.newBuilder(gw.uri(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Cookie", AdminUi.SESSION_COOKIE + "=" + session.getValue())
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build());
  }

  private static java.math.BigDecimal bd(int n) {
    return java.math.BigDecimal.valueOf(n);
  }
}

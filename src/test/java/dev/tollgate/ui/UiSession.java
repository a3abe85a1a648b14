package dev.tollgate.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.TestGateway;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;

/**
 * A browser's part of a UI session over real HTTP: its own cookie jar (so tests can tamper with
 * it), no redirects followed, pages parsed with jsoup.
 */
final class UiSession {
  final TestGateway gw;
  final Map<String, String> cookies = new LinkedHashMap<>();

  UiSession(TestGateway gw) {
    this.gw = gw;
  }

  /** Logs in with a key; asserts that it worked. */
  static UiSession loggedIn(TestGateway gw, String key) {
    UiSession s = new UiSession(gw);
    HttpResponse<String> r = s.login(Map.of("key", key));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    assertThat(r.headers().firstValue("location")).contains("/ui/");
    return s;
  }

  /** Fetches the login form, then posts {@code fields} with its CSRF token. */
  HttpResponse<String> login(Map<String, String> fields) {
    HttpResponse<String> form = get("/ui/login");
    assertThat(form.statusCode()).isEqualTo(200);
    String token = Jsoup.parse(form.body()).expectFirst("#login input[name=_csrf]").val();
    Map<String, String> all = new LinkedHashMap<>(fields);
    all.put("_csrf", token);
    return post("/ui/login", all);
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(gw.uri(path)).GET());
  }

  Document page(String path) {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return Jsoup.parse(r.body(), gw.uri(path).toString());
  }

  /** The CSRF token the page at {@code path} carries in its forms. */
  String csrf(String path) {
    return page(path).expectFirst("input[name=_csrf]").val();
  }

  HttpResponse<String> post(String path, Map<String, String> fields) {
    String body =
        fields.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return send(
        HttpRequest.newBuilder(gw.uri(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpResponse<String> send(HttpRequest.Builder b) {
    if (!cookies.isEmpty()) {
      b.header(
          "Cookie",
          cookies.entrySet().stream()
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining("; ")));
    }
    HttpResponse<String> r = gw.send(b.build());
    for (String set : r.headers().allValues("set-cookie")) {
      String pair = set.split(";", 2)[0];
      int eq = pair.indexOf('=');
      String name = pair.substring(0, eq);
      String value = pair.substring(eq + 1);
      if (value.isEmpty() || set.toLowerCase(java.util.Locale.ROOT).contains("max-age=0")) {
        cookies.remove(name);
      } else {
        cookies.put(name, value);
      }
    }
    return r;
  }
}

package dev.tollgate.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

/**
 * The overview's periods (today and this month, summed from one report by day and model, whole days
 * from the daily rollup and today from the log) against requests made through the gateway.
 */
class OverviewSpendIT {
  @Test
  void overview_requestsToday_periodsShowTheirExactSpendAndCounts() throws Exception {
    try (FakeOpenAi upstream = UiGateway.upstream();
        TestGateway gw =
            UiGateway.start(upstream, Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY))) {
      var made = UiGateway.json(gw.post("/key/generate", "{}").body());
      String key = made.path("key").asText();
      for (int i = 0; i < 3; i++) {
        assertThat(UiGateway.chat(gw, key).statusCode()).isEqualTo(200);
      }
      assertThat(
              gw.send(
                      HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                          .header("Authorization", "Bearer " + key)
                          .POST(
                              HttpRequest.BodyPublishers.ofString(
                                  "{\"model\":\"unknown\",\"messages\":[{\"role\":\"user\","
                                      + "\"content\":\"x\"}]}"))
                          .build())
                  .statusCode())
          .isEqualTo(200);
      UiGateway.awaitSpend(gw, made.path("token").asText(), new BigDecimal("0.000222"));
      UiSession ui = UiSession.loggedIn(gw, TestGateway.MASTER_KEY);

      // The rows reach the database after the answers: wait until all four are counted.
      List<List<String>> periods = periods(ui);
      for (int i = 0; i < 500 && !periods.get(0).get(2).equals("4"); i++) {
        Thread.sleep(10);
        periods = periods(ui);
      }

      // 3 priced requests at 0.000074 USD, 1 unpriced; none before today.
      List<String> expected = List.of(PageData.usd(222_000), "4", "1", "0");
      assertThat(periods.get(0)).containsExactlyElementsOf(prepend("Today (UTC)", expected));
      assertThat(periods.get(1)).containsExactlyElementsOf(prepend("This month (UTC)", expected));
    }
  }

  private static List<List<String>> periods(UiSession ui) {
    return Jsoup.parse(ui.get("/ui/").body()).select("#periods tbody tr").stream()
        .map(tr -> tr.select("td").stream().map(Element::text).toList())
        .toList();
  }

  private static List<String> prepend(String first, List<String> rest) {
    List<String> out = new java.util.ArrayList<>();
    out.add(first);
    out.addAll(rest);
    return out;
  }
}

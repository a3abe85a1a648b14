package dev.tollgate.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PageDataTest {
  @Test
  void changes_emptiedField_isNull() {
    ObjectNode body =
        PageData.changes(
            Map.of("max_budget", " ", PageData.shownField("max_budget"), "10"),
            PageData.KEY_FIELDS);

    assertThat(body.has("max_budget")).isTrue();
    assertThat(body.get("max_budget").isNull()).isTrue();
  }

  @Test
  void changes_fieldLeftAsShown_isLeftOut() {
    ObjectNode body =
        PageData.changes(
            Map.of(
                "key_alias",
                "a",
                PageData.shownField("key_alias"),
                "a",
                "rpm_limit",
                "",
                PageData.shownField("rpm_limit"),
                ""),
            PageData.KEY_FIELDS);

    assertThat(body.isEmpty()).as(body.toString()).isTrue();
  }

  @Test
  void changes_fieldNotInTheForm_isLeftOut_andAChangedOneIsSentAsTheApiTakesIt() {
    ObjectNode body =
        PageData.changes(
            Map.of(
                "max_budget",
                "2.50",
                PageData.shownField("max_budget"),
                "1",
                "models",
                "a, b,",
                "rpm_limit",
                "ten"),
            PageData.KEY_FIELDS);

    assertThat(body.toString())
        .isEqualTo("{\"max_budget\":2.50,\"models\":[\"a\",\"b\"],\"rpm_limit\":\"ten\"}");
  }

  @Test
  void body_blankField_isLeftOut() {
    ObjectNode body =
        PageData.body(Map.of("key_alias", "", "max_budget", "1"), PageData.KEY_FIELDS);

    assertThat(body.toString()).isEqualTo("{\"max_budget\":1}");
  }
}

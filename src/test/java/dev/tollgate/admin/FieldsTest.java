package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.Actor;
import dev.tollgate.governance.Principal;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-request field tables, and how a body is parsed against them. Pure. */
class FieldsTest {
  /** The fields the issue names as LiteLLM's and not acted on by Tollgate. */
  static final Set<String> NAMED =
      Set.of(
          "aliases",
          "permissions",
          "allowed_routes",
          "key_type",
          "send_invite_email",
          "guardrails",
          "enforced_params",
          "config",
          "object_permission",
          "allowed_passthrough_routes");

  @Test
  void of_litellmFieldsTollgateActsOn_areNotIgnored() {
    Fields f = Fields.of(KeyApi.FIELDS, Fields.LITELLM_KEY_GENERATE);

    assertThat(f.ignored()).doesNotContainAnyElementsOf(f.accepted());
    assertThat(f.ignored()).contains("aliases", "key_type", "send_invite_email");
    assertThat(f.ignored()).doesNotContain("max_budget", "models", "tags");
  }

  @Test
  void litellmKeyRequests_listEveryFieldTheIssueNames() {
    Set<String> all = new HashSet<>(Fields.LITELLM_KEY_GENERATE);
    all.addAll(Fields.LITELLM_USER_NEW);
    assertThat(all).containsAll(NAMED);
    assertThat(Fields.LITELLM_KEY_REGENERATE)
        .contains("new_key")
        .containsAll(Fields.LITELLM_KEY_GENERATE);
  }

  @Test
  void parse_ignoredField_droppedAndWarned_typoRefusedNamingIt() {
    Fields f = Fields.of(Set.of("max_budget"), Set.of("max_budget", "aliases"));
    Call ok = call("{\"max_budget\": 1, \"aliases\": {}}");

    Body b = Body.parse(ok, f);

    assertThat(b.has("aliases")).isFalse();
    assertThat(b.usd("max_budget")).hasValue(1_000_000_000L);
    assertThat(ok.warnings().fields()).containsExactly("aliases");
    assertThatThrownBy(() -> Body.parse(call("{\"aliasez\": {}}"), f))
        .isInstanceOfSatisfying(
            GatewayException.class, e -> assertThat(e.getMessage()).contains("aliasez"));
  }

  @Test
  void parse_strict_refusesEvenLitellmFields() {
    assertThatThrownBy(
            () ->
                Body.parse(
                    "{\"aliases\": {}}".getBytes(StandardCharsets.UTF_8), Set.of("max_budget")))
        .isInstanceOf(GatewayException.class);
  }

  private static Call call(String body) {
    return new Call(
        new Principal("hash", true),
        body.getBytes(StandardCharsets.UTF_8),
        MultiMap.caseInsensitiveMultiMap(),
        Map.of(),
        new Actor("admin", "hash", "POST /key/generate"));
  }
}

package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.Usd;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.ModelBudget;
import dev.tollgate.governance.RateLimits;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A management request's JSON body, validated field by field at the boundary. Every failure is a
 * 400 naming the field and what was expected. For updates a field has three states: absent
 * (unchanged), {@code null} (cleared) and a value; getters return empty for both of the first two,
 * so callers ask {@link #has} first.
 */
final class Body {
  /** The limit fields every budgeted entity accepts. */
  static final Set<String> LIMIT_FIELDS =
      Set.of("max_budget", "soft_budget", "budget_duration", "model_max_budget");

  /** LiteLLM's rate-limit fields; each endpoint accepts those LiteLLM accepts there. */
  static final Set<String> RATE_FIELDS =
      Set.of(
          "rpm_limit", "tpm_limit", "max_parallel_requests", "model_rpm_limit", "model_tpm_limit");

  /** The rate limits of users, teams, organizations, customers and shared budgets. */
  static final Set<String> ENTITY_RATE_FIELDS =
      Set.of("rpm_limit", "tpm_limit", "max_parallel_requests");

  private final ObjectNode node;

  private Body(ObjectNode node) {
    this.node = node;
  }

  /** Parses {@code bytes} (empty is {@code {}}) and refuses fields outside {@code allowed}. */
  static Body parse(byte[] bytes, Set<String> allowed) {
    return parse(bytes, Fields.strict(allowed), null);
  }

  /**
   * Parses {@code c}'s body against {@code fields}: a LiteLLM field Tollgate does not act on is
   * dropped and added to {@code c}'s warnings; a field neither knows is refused.
   */
  static Body parse(Call c, Fields fields) {
    return parse(c.body(), fields, c.warnings());
  }

  /** A body already parsed, for a route that makes the same change as another route's body. */
  static Body of(ObjectNode node) {
    return new Body(node.deepCopy());
  }

  private static Body parse(byte[] bytes, Fields fields, Call.@Nullable Warnings warnings) {
    Set<String> allowed = fields.accepted();
    ObjectNode node;
    if (bytes.length == 0) {
      node = Json.MAPPER.createObjectNode();
    } else {
      try {
        JsonNode n = Json.STRICT_MAPPER.readTree(bytes);
        if (!(n instanceof ObjectNode o)) {
          throw GatewayException.badRequest(null, "request body must be a JSON object");
        }
        node = o;
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw Json.invalid(e);
      } catch (IOException e) {
        throw GatewayException.badRequest(null, "request body could not be read: " + e);
      }
    }
    List<String> unknown = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (allowed.contains(f)) {
        continue;
      }
      if (fields.ignored().contains(f) && warnings != null) {
        ignored.add(f);
      } else {
        unknown.add(f);
      }
    }
    if (!unknown.isEmpty()) {
      String first = unknown.get(0);
      throw GatewayException.badRequest(
          first,
          "unknown field(s) "
              + unknown
              + "; expected any of "
              + new TreeSet<>(allowed)
              + (fields.ignored().isEmpty()
                  ? ""
                  : " (or one of LiteLLM's fields Tollgate accepts without acting on: "
                      + new TreeSet<>(fields.ignored())
                      + ")"));
    }
    if (warnings != null) {
      // Dropped here, so that no handler can act on a field the answer says was not acted on.
      ignored.forEach(node::remove);
      ignored.forEach(warnings::add);
    }
    return new Body(node);
  }

  boolean has(String f) {
    return node.has(f);
  }

  /** Whether {@code f} is present with a value other than null. */
  boolean hasValue(String f) {
    return node.hasNonNull(f);
  }

  Optional<String> string(String f) {
    JsonNode v = node.get(f);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw GatewayException.badRequest(f, f + " must be a non-empty string");
    }
    return Optional.of(v.asText());
  }

  String requiredString(String f) {
    return string(f).orElseThrow(() -> GatewayException.badRequest(f, f + " is required"));
  }

  Optional<Boolean> bool(String f) {
    JsonNode v = node.get(f);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      throw GatewayException.badRequest(f, f + " must be true or false");
    }
    return Optional.of(v.asBoolean());
  }

  /** A dollar amount as exact nano-USD; never negative, at most 9 decimal places. */
  OptionalLong usd(String f) {
    JsonNode v = node.get(f);
    if (v == null || v.isNull()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(usd(f, v));
  }

  static long usd(String f, JsonNode v) {
    BigDecimal d;
    if (v.isNumber()) {
      d = v.decimalValue();
    } else if (v.isTextual()) {
      try {
        d = new BigDecimal(v.asText().trim());
      } catch (NumberFormatException e) {
        throw GatewayException.badRequest(
            f, f + " must be a number of dollars, got '" + v.asText() + "'");
      }
    } else {
      throw GatewayException.badRequest(f, f + " must be a number of dollars");
    }
    try {
      return Usd.toNanos(d);
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest(f, f + " " + e.getMessage());
    }
  }

  /** A whole number, never negative: a request or token count. */
  OptionalLong count(String f) {
    JsonNode v = node.get(f);
    if (v == null || v.isNull()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(count(f, v));
  }

  private static long count(String f, JsonNode v) {
    if (v.isNumber()) {
      BigDecimal d = v.decimalValue();
      if (d.signum() >= 0) {
        try {
          return d.longValueExact();
        } catch (ArithmeticException e) {
          // not whole, or too large: refused below
        }
      }
    }
    throw GatewayException.badRequest(
        f, f + " must be a whole number, 0 or more, got " + v.toString());
  }

  /** LiteLLM's {@code model_rpm_limit} and {@code model_tpm_limit}: {@code {"gpt-4o": 100}}. */
  Optional<Map<String, Long>> counts(String f) {
    JsonNode v = node.get(f);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isObject()) {
      throw GatewayException.badRequest(f, f + " must be an object such as {\"gpt-4o\": 100}");
    }
    Map<String, Long> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      if (e.getKey().isBlank()) {
        throw GatewayException.badRequest(f, f + " must not name an empty model");
      }
      out.put(e.getKey(), count(f + "." + e.getKey(), e.getValue()));
    }
    return Optional.of(out);
  }

  Optional<BudgetDuration> duration(String f) {
    Optional<String> s = string(f);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(BudgetDuration.parse(s.get()));
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest(f, f + " " + e.getMessage());
    }
  }

  /** A list of non-empty strings, without duplicates. */
  Optional<List<String>> strings(String f) {
    JsonNode v = node.get(f);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isArray()) {
      throw GatewayException.badRequest(f, f + " must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual() || e.asText().isBlank()) {
        throw GatewayException.badRequest(f, f + " must be a list of non-empty strings");
      }
      if (!out.contains(e.asText())) {
        out.add(e.asText());
      }
    }
    return Optional.of(List.copyOf(out));
  }

  /** A JSON object, as its text. */
  Optional<String> object(String f) {
    JsonNode v = node.get(f);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isObject()) {
      throw GatewayException.badRequest(f, f + " must be a JSON object");
    }
    return Optional.of(v.toString());
  }

  Optional<JsonNode> raw(String f) {
    JsonNode v = node.get(f);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
  }

  /**
   * LiteLLM's {@code model_max_budget}, each entry in any of its shapes: a bare number of dollars
   * (a lifetime budget), {@code {"max_budget": 10, "budget_duration": "1d", "tpm_limit": 1000,
   * "rpm_limit": 10}}, or the aliases {@code {"budget_limit": 10, "time_period": "1d"}}. A field
   * and its alias together are refused: LiteLLM would silently keep one of them.
   */
  Optional<Map<String, ModelBudget>> modelMaxBudget(String f) {
    JsonNode v = node.get(f);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isObject()) {
      throw GatewayException.badRequest(
          f,
          f
              + " must be an object such as {\"gpt-4o\": {\"max_budget\": 10, \"budget_duration\":"
              + " \"1d\"}}");
    }
    Map<String, ModelBudget> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      if (e.getKey().isBlank()) {
        throw GatewayException.badRequest(f, f + " must not name an empty model");
      }
      String path = f + "." + e.getKey();
      out.put(e.getKey(), modelBudget(path, e.getValue()));
    }
    return Optional.of(out);
  }

  private static final Set<String> MODEL_BUDGET_FIELDS =
      Set.of(
          "max_budget", "budget_limit", "budget_duration", "time_period", "tpm_limit", "rpm_limit");

  private static ModelBudget modelBudget(String path, JsonNode b) {
    if (b.isNumber() || b.isTextual()) {
      return new ModelBudget(
          OptionalLong.of(usd(path, b)),
          Optional.empty(),
          OptionalLong.empty(),
          OptionalLong.empty(),
          ModelBudget.Spelling.NUMBER);
    }
    if (!b.isObject()) {
      throw GatewayException.badRequest(
          path, path + " must be a number of dollars or an object with max_budget");
    }
    for (String n : (Iterable<String>) b::fieldNames) {
      if (!MODEL_BUDGET_FIELDS.contains(n)) {
        throw GatewayException.badRequest(
            path + "." + n,
            "unknown field '"
                + n
                + "' in "
                + path
                + "; expected max_budget (or budget_limit), budget_duration (or time_period),"
                + " tpm_limit, rpm_limit");
      }
    }
    Optional<String> limitName = oneOf(path, b, "max_budget", "budget_limit");
    Optional<String> periodName = oneOf(path, b, "budget_duration", "time_period");
    OptionalLong max =
        limitName.isPresent()
            ? OptionalLong.of(usd(path + "." + limitName.get(), b.get(limitName.get())))
            : OptionalLong.empty();
    Optional<BudgetDuration> period = Optional.empty();
    if (periodName.isPresent()) {
      String p = path + "." + periodName.get();
      JsonNode d = b.get(periodName.get());
      if (!d.isTextual()) {
        throw GatewayException.badRequest(p, p + " must be a duration such as 1d");
      }
      try {
        period = Optional.of(BudgetDuration.parse(d.asText()));
      } catch (IllegalArgumentException x) {
        throw GatewayException.badRequest(p, p + " " + x.getMessage());
      }
    }
    OptionalLong tpm = optionalCount(path + ".tpm_limit", b.get("tpm_limit"));
    OptionalLong rpm = optionalCount(path + ".rpm_limit", b.get("rpm_limit"));
    if (max.isEmpty() && tpm.isEmpty() && rpm.isEmpty()) {
      throw GatewayException.badRequest(
          path, path + " needs max_budget (or budget_limit), tpm_limit or rpm_limit");
    }
    // Read back with the names it was written with: the aliases only when no LiteLLM name was used.
    boolean aliases =
        !limitName.filter("max_budget"::equals).isPresent()
            && !periodName.filter("budget_duration"::equals).isPresent()
            && (limitName.isPresent() || periodName.isPresent());
    return new ModelBudget(
        max,
        period,
        tpm,
        rpm,
        aliases ? ModelBudget.Spelling.GENERIC : ModelBudget.Spelling.BUDGET_CONFIG);
  }

  /** Which of a field and its alias {@code b} sets (null counts as unset); refuses both. */
  private static Optional<String> oneOf(String path, JsonNode b, String name, String alias) {
    boolean hasName = b.hasNonNull(name);
    boolean hasAlias = b.hasNonNull(alias);
    if (hasName && hasAlias) {
      throw GatewayException.badRequest(
          path + "." + alias,
          path + " sets both " + name + " and its alias " + alias + "; set one of them");
    }
    return hasName ? Optional.of(name) : hasAlias ? Optional.of(alias) : Optional.empty();
  }

  private static OptionalLong optionalCount(String f, @Nullable JsonNode v) {
    return v == null || v.isNull() ? OptionalLong.empty() : OptionalLong.of(count(f, v));
  }

  /** {@code current} with the limit fields this body sets (absent: kept; null: cleared). */
  Limits limits(Limits current) {
    Limits l = current;
    if (has("max_budget")) {
      l = l.withMaxBudget(usd("max_budget"));
    }
    if (has("soft_budget")) {
      l = l.withSoftBudget(usd("soft_budget"));
    }
    if (has("budget_duration")) {
      l = l.withDuration(duration("budget_duration"));
    }
    if (has("model_max_budget")) {
      l = l.withModelMaxBudget(modelMaxBudget("model_max_budget").orElse(Map.of()));
    }
    return l.withRate(rate(l.rate()));
  }

  /** {@code current} with the rate-limit fields this body sets (absent: kept; null: cleared). */
  RateLimits rate(RateLimits current) {
    RateLimits r = current;
    if (has("rpm_limit")) {
      r = r.withRpmLimit(count("rpm_limit"));
    }
    if (has("tpm_limit")) {
      r = r.withTpmLimit(count("tpm_limit"));
    }
    if (has("max_parallel_requests")) {
      r = r.withMaxParallelRequests(count("max_parallel_requests"));
    }
    if (has("model_rpm_limit")) {
      r = r.withModelRpmLimit(counts("model_rpm_limit").orElse(Map.of()));
    }
    if (has("model_tpm_limit")) {
      r = r.withModelTpmLimit(counts("model_tpm_limit").orElse(Map.of()));
    }
    return r;
  }

  /** An entity's own limits and shared budget. */
  record Budgeting(Limits limits, Optional<String> budgetId) {}

  /**
   * The limits and {@code budget_id} after this body. A shared budget's spend limits replace the
   * entity's own; rate limits are the entity's own beside it (each overriding the budget's).
   *
   * <ul>
   *   <li>setting a {@code budget_id} drops the entity's own spend limits (a body that sets both is
   *       refused by the store check);
   *   <li>setting spend limits on an entity linked to a shared budget replaces the link only when
   *       the result has a {@code max_budget} of its own, so that the entity still has a budget;
   *       otherwise (only a soft_budget, say) the body is refused rather than leave the entity with
   *       no spend limit. {@code "budget_id": null} unlinks explicitly;
   *   <li>rate-limit fields never touch the link.
   * </ul>
   *
   * @param what names the entity in a refusal, e.g. {@code "key 'k1'"}
   */
  Budgeting budgeting(Limits currentLimits, Optional<String> currentBudgetId, String what) {
    Limits own = limits(currentLimits);
    Optional<String> budgetId = has("budget_id") ? string("budget_id") : currentBudgetId;
    boolean setsSpend = LIMIT_FIELDS.stream().anyMatch(this::has);
    if (hasValue("budget_id") && !setsSpend) {
      own = Limits.NONE.withRate(own.rate());
    }
    if (setsSpend && !has("budget_id") && currentBudgetId.isPresent()) {
      if (own.maxBudgetNanos().isEmpty()) {
        throw GatewayException.badRequest(
            "budget_id",
            what
                + " takes its spend limits from shared budget '"
                + currentBudgetId.get()
                + "' (budget_id). To give it its own, set max_budget too (that replaces the"
                + " shared budget), or send \"budget_id\": null to unlink it; to change the"
                + " shared budget for everyone linked to it, use /budget/update");
      }
      budgetId = Optional.empty();
    }
    return new Budgeting(own, budgetId);
  }

  /**
   * {@code spend} in an update: only 0 is accepted, and means "reset the spend now".
   *
   * @return whether a reset was asked for
   */
  boolean resetSpend() {
    if (!has("spend")) {
      return false;
    }
    OptionalLong v = usd("spend");
    if (v.isEmpty() || v.getAsLong() != 0) {
      throw GatewayException.badRequest(
          "spend",
          "spend can only be set to 0 (a reset); spend comes from the spend log and is never"
              + " edited");
    }
    return true;
  }
}

package dev.tollgate.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The governance entities the UI lists, creates, edits and deletes, each described by the
 * management API routes that do the work and the form fields they take. Adding a kind here adds its
 * pages; the rules stay in the API's handlers. Immutable.
 */
enum Entity {
  TEAMS(
      "teams",
      "Teams",
      "team_id",
      "team_alias",
      "team",
      List.of(
          Field.text("team_alias", "Alias"),
          Field.text("organization_id", "Organization id"),
          Field.money("max_budget", "Max budget (USD)"),
          Field.text("budget_duration", "Budget window"),
          Field.list("models", "Models (comma-separated)"),
          Field.count("rpm_limit", "Requests per minute"),
          Field.count("tpm_limit", "Tokens per minute"),
          Field.money("team_member_budget", "Budget of each member (USD)")),
      "team_ids"),
  USERS(
      "users",
      "Users",
      "user_id",
      "user_alias",
      "user",
      List.of(
          Field.text("user_alias", "Alias"),
          Field.text("user_email", "Email"),
          Field.text("user_role", "Role (proxy_admin, proxy_admin_viewer, internal_user...)"),
          Field.money("max_budget", "Max budget (USD)"),
          Field.text("budget_duration", "Budget window"),
          Field.list("models", "Models (comma-separated)"),
          Field.count("rpm_limit", "Requests per minute"),
          Field.count("tpm_limit", "Tokens per minute")),
      "user_ids"),
  ORGANIZATIONS(
      "organizations",
      "Organizations",
      "organization_id",
      "organization_alias",
      "organization",
      List.of(
          Field.text("organization_alias", "Alias"),
          Field.money("max_budget", "Max budget (USD)"),
          Field.text("budget_duration", "Budget window"),
          Field.list("models", "Models (comma-separated)")),
      "organization_ids"),
  CUSTOMERS(
      "customers",
      "Customers",
      "user_id",
      "alias",
      "customer",
      List.of(
          Field.text("alias", "Alias"),
          Field.money("max_budget", "Max budget (USD)"),
          Field.text("budget_duration", "Budget window")),
      "user_ids"),
  TAGS(
      "tags",
      "Tags",
      "name",
      "description",
      "tag",
      List.of(
          Field.text("description", "Description"),
          Field.money("max_budget", "Max budget (USD)"),
          Field.text("budget_duration", "Budget window"),
          Field.list("models", "Models (comma-separated)")),
      "name"),
  BUDGETS(
      "budgets",
      "Shared budgets",
      "budget_id",
      "",
      "budget",
      List.of(
          Field.money("max_budget", "Max budget (USD)"),
          Field.money("soft_budget", "Soft budget (USD)"),
          Field.text("budget_duration", "Budget window")),
      "id");

  /** How a form field becomes JSON: as text, a decimal dollar amount, a whole number, or a list. */
  enum Type {
    TEXT,
    MONEY,
    COUNT,
    LIST
  }

  /** One form field, named as the API names it. */
  record Field(String name, String label, Type type) {
    static Field text(String name, String label) {
      return new Field(name, label, Type.TEXT);
    }

    static Field money(String name, String label) {
      return new Field(name, label, Type.MONEY);
    }

    static Field count(String name, String label) {
      return new Field(name, label, Type.COUNT);
    }

    static Field list(String name, String label) {
      return new Field(name, label, Type.LIST);
    }
  }

  /** The path under /ui. */
  final String slug;

  final String title;

  /** The field that names one entity in the API's bodies and answers. */
  final String idField;

  /** The field shown beside the id, or empty. */
  final String nameField;

  /** The API's path segment: {@code /team/new}, {@code /team/update}... */
  final String api;

  /** What the create and edit forms take, besides the id. */
  final List<Field> fields;

  /** The delete body's field: a list when it ends in {@code _ids}, else one value. */
  final String deleteField;

  Entity(
      String slug,
      String title,
      String idField,
      String nameField,
      String api,
      List<Field> fields,
      String deleteField) {
    this.slug = slug;
    this.title = title;
    this.idField = idField;
    this.nameField = nameField;
    this.api = api;
    this.fields = fields;
    this.deleteField = deleteField;
  }

  String listRoute() {
    return "GET /" + api + "/list";
  }

  String newRoute() {
    return "POST /" + api + "/new";
  }

  String updateRoute() {
    return "POST /" + api + "/update";
  }

  String deleteRoute() {
    return "POST /" + api + "/delete";
  }

  /** The kind at {@code /ui/<slug>}. */
  static Optional<Entity> bySlug(String slug) {
    for (Entity e : values()) {
      if (e.slug.equals(slug)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** The rows of a list answer: the array itself, or the users of {@code /user/list}. */
  static Iterable<JsonNode> rows(JsonNode list) {
    return list.isArray() ? list : list.path("users");
  }

  /** The query of {@code GET /<api>/list}: users come in pages, the rest all at once. */
  Map<String, String> listQuery() {
    return this == USERS ? Map.of("page_size", "1000") : Map.of();
  }

  /** The route and arguments that read one entity, as its {@code info} route takes them. */
  record Read(String route, Map<String, String> query, byte[] body) {}

  Read read(String id) {
    return switch (this) {
      case TEAMS -> new Read("GET /team/info", Map.of("team_id", id), new byte[0]);
      case USERS -> new Read("GET /user/info", Map.of("user_id", id), new byte[0]);
      case ORGANIZATIONS ->
          new Read("GET /organization/info", Map.of("organization_id", id), new byte[0]);
      case CUSTOMERS -> new Read("GET /customer/info", Map.of("end_user_id", id), new byte[0]);
      case TAGS -> {
        ObjectNode b = JsonNodeFactory.instance.objectNode();
        b.putArray("names").add(id);
        yield new Read("POST /tag/info", Map.of(), PageData.bytes(b));
      }
      case BUDGETS -> new Read("GET /budget/info", Map.of("budget_id", id), new byte[0]);
    };
  }

  /** The entity itself within its info answer. */
  JsonNode entity(JsonNode info, String id) {
    return switch (this) {
      case TEAMS -> info.path("team_info");
      case USERS -> info.path("user_info");
      case TAGS -> info.path(id);
      default -> info;
    };
  }

  /** The delete body for {@code id}. */
  ObjectNode deleteBody(String id) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    if (deleteField.endsWith("_ids")) {
      b.putArray(deleteField).add(id);
    } else {
      b.put(deleteField, id);
    }
    return b;
  }
}

package dev.tollgate.governance;

/** The kinds of {@link Entity}, with the id field LiteLLM's API names them by. */
public enum EntityKind {
  KEY("key", "token"),
  USER("user", "user_id"),
  TEAM("team", "team_id"),
  ORGANIZATION("organization", "organization_id"),
  CUSTOMER("customer", "user_id"),
  TAG("tag", "name"),
  BUDGET("budget", "budget_id");

  private final String label;
  private final String idField;

  EntityKind(String label, String idField) {
    this.label = label;
    this.idField = idField;
  }

  /** A lower-case name for messages, e.g. {@code team}. */
  public String label() {
    return label;
  }

  /** The API field that carries the id, e.g. {@code team_id}. */
  public String idField() {
    return idField;
  }
}

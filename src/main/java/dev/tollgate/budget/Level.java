package dev.tollgate.budget;

/** A budget level: where in the hierarchy a spend counter and its limits sit. */
public enum Level {
  KEY("key", "key"),
  KEY_MODEL("key_model", "key per-model"),
  USER("user", "user"),
  USER_MODEL("user_model", "user per-model"),
  TEAM("team", "team"),
  TEAM_MEMBER("team_member", "team member"),
  ORGANIZATION("organization", "organization"),
  CUSTOMER("customer", "customer"),
  CUSTOMER_MODEL("customer_model", "customer per-model"),
  TAG("tag", "tag"),
  GLOBAL("global", "global proxy"),
  /** A deployment's own budget ({@code litellm_params.max_budget}): for routing. */
  DEPLOYMENT("deployment", "deployment"),
  /** A provider's budget ({@code router_settings.provider_budget_config}): for routing. */
  PROVIDER("provider", "provider");

  private final String wire;
  private final String label;

  Level(String wire, String label) {
    this.wire = wire;
    this.label = label;
  }

  /** The name in JSON and error codes, e.g. {@code team_member}. */
  public String wire() {
    return wire;
  }

  /** The name in messages, e.g. {@code team member}. */
  public String label() {
    return label;
  }

  /** The per-model level under this one, if any. */
  Level perModel() {
    return switch (this) {
      case KEY -> KEY_MODEL;
      case USER -> USER_MODEL;
      case CUSTOMER -> CUSTOMER_MODEL;
      default -> this;
    };
  }
}

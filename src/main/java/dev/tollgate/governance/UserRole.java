package dev.tollgate.governance;

import java.util.Optional;

/** LiteLLM's {@code user_role}. Only {@link #PROXY_ADMIN} may use the management API. */
public enum UserRole {
  PROXY_ADMIN("proxy_admin"),
  PROXY_ADMIN_VIEWER("proxy_admin_viewer"),
  INTERNAL_USER("internal_user"),
  INTERNAL_USER_VIEWER("internal_user_viewer");

  private final String wire;

  UserRole(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static Optional<UserRole> fromWire(String s) {
    for (UserRole r : values()) {
      if (r.wire.equals(s)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}

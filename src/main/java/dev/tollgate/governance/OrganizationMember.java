package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * A user's membership of an organization, with LiteLLM's organization role. Recorded and shown; the
 * role grants nothing in Tollgate yet, which has no organization admins. Immutable.
 */
public record OrganizationMember(String userId, Role role) {
  public OrganizationMember {
    requireNonNull(userId, "userId");
    requireNonNull(role, "role");
  }

  /** LiteLLM's {@code OrgMember.role}. */
  public enum Role {
    ORG_ADMIN("org_admin"),
    INTERNAL_USER("internal_user"),
    INTERNAL_USER_VIEWER("internal_user_viewer");

    private final String wire;

    Role(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    public static Optional<Role> fromWire(String s) {
      for (Role r : values()) {
        if (r.wire.equals(s)) {
          return Optional.of(r);
        }
      }
      return Optional.empty();
    }
  }
}

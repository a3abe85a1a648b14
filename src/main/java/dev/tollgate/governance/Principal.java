package dev.tollgate.governance;

import java.util.List;
import java.util.Optional;

/**
 * Who is calling, once authenticated: the master key, or a virtual key with the entities it belongs
 * to as they were when the request was authenticated. Immutable.
 *
 * @param keyHash SHA-256 of the presented key, hex; the key itself is never kept
 * @param admin whether the caller may use the management API (the master key, or a key whose user
 *     has the {@code proxy_admin} role)
 * @param keyId the virtual key's stable id; empty for the master key
 * @param userId the key's owner
 * @param teamId the key's team: present for team keys, empty for personal keys
 * @param organizationId the key's organization, or else its team's
 * @param models the key's allowed models; empty allows every model
 * @param tags the key's own tags
 * @param role the key's user's {@code user_role}; empty for the master key and for keys without a
 *     user (which, as in LiteLLM, may only read their own key's info)
 */
public record Principal(
    String keyHash,
    boolean admin,
    Optional<String> keyId,
    Optional<String> keyAlias,
    Optional<String> userId,
    Optional<String> teamId,
    Optional<String> organizationId,
    List<String> models,
    List<String> tags,
    Optional<UserRole> role) {

  public Principal {
    models = List.copyOf(models);
    tags = List.copyOf(tags);
  }

  /** A virtual key's principal without a role. */
  public Principal(
      String keyHash,
      boolean admin,
      Optional<String> keyId,
      Optional<String> keyAlias,
      Optional<String> userId,
      Optional<String> teamId,
      Optional<String> organizationId,
      List<String> models,
      List<String> tags) {
    this(
        keyHash,
        admin,
        keyId,
        keyAlias,
        userId,
        teamId,
        organizationId,
        models,
        tags,
        Optional.empty());
  }

  /** A caller without a virtual key, such as the master key. */
  public Principal(String keyHash, boolean admin) {
    this(
        keyHash,
        admin,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        List.of());
  }
}

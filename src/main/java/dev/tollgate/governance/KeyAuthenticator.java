package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Accepts the master key and virtual keys. A virtual key is found by the SHA-256 of what was
 * presented, in the current {@link GovernanceSnapshot}: memory only, safe on an event loop.
 *
 * <p>A key that is blocked, expired, or belongs to a blocked team is refused with a 401 that says
 * which and why; an unknown key is {@link Optional#empty()} (the caller answers "invalid API key").
 */
public final class KeyAuthenticator implements Authenticator {
  private final MasterKeyAuthenticator master;
  private final Governance governance;
  private final Clock clock;

  public KeyAuthenticator(String masterKey, Governance governance, Clock clock) {
    this.master = new MasterKeyAuthenticator(requireNonNull(masterKey, "masterKey"));
    this.governance = requireNonNull(governance, "governance");
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public Optional<Principal> authenticate(String key) {
    byte[] digest = MasterKeyAuthenticator.sha256(key);
    if (master.matches(digest)) {
      return Optional.of(master.principal());
    }
    String hash = HexFormat.of().formatHex(digest);
    GovernanceSnapshot s = governance.snapshot();
    Optional<VirtualKey> found = s.keyByHash(hash);
    return found.map(k -> principal(s, k));
  }

  /** The master key's principal. */
  public Principal master() {
    return master.principal();
  }

  /**
   * The principal of the virtual key whose id is {@code keyId}, refused as {@link #authenticate}
   * refuses it (blocked, expired, blocked team); empty when no such key exists. For the web UI's
   * session, which names the key that logged in by its id and never holds the key itself.
   */
  public Optional<Principal> byKeyId(String keyId) {
    GovernanceSnapshot s = governance.snapshot();
    return Optional.ofNullable(s.keys().get(keyId)).map(k -> principal(s, k));
  }

  private Principal principal(GovernanceSnapshot s, VirtualKey k) {
    if (k.blocked()) {
      throw refused(
          "key_blocked",
          "API key '"
              + k.displayName()
              + "' is blocked; an admin can unblock it with /key/unblock");
    }
    if (k.expires().isPresent() && !clock.instant().isBefore(k.expires().get())) {
      throw refused(
          "key_expired", "API key '" + k.displayName() + "' expired at " + k.expires().get());
    }
    Optional<Team> team = k.teamId().map(s.teams()::get);
    if (team.isPresent() && team.get().blocked()) {
      throw refused(
          "team_blocked",
          "team '"
              + team.get().displayName()
              + "' of API key '"
              + k.displayName()
              + "' is blocked; an admin can unblock it with /team/update {\"blocked\": false}");
    }
    Optional<UserRole> role = k.userId().map(s.users()::get).map(User::role);
    boolean admin = role.equals(Optional.of(UserRole.PROXY_ADMIN));
    Optional<String> org = k.organizationId().or(() -> team.flatMap(Team::organizationId));
    return new Principal(
        k.tokenHash(),
        admin,
        Optional.of(k.id()),
        k.keyAlias(),
        k.userId(),
        k.teamId(),
        org,
        k.models(),
        k.tags(),
        role);
  }

  private static GatewayException refused(String code, String message) {
    return GatewayException.of(401, "authentication_error", null, code, message);
  }
}

package dev.tollgate.governance;

import static dev.tollgate.governance.Entities.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.common.GatewayException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyAuthenticatorTest {
  private final Governance gov = Governance.load(new InMemoryGovernanceStore(), Set.of());
  private final Clock clock = Clock.fixed(Instant.parse("2025-03-12T12:00:00Z"), ZoneOffset.UTC);
  private final KeyAuthenticator auth = new KeyAuthenticator("sk-master", gov, clock);

  @Test
  void authenticate_masterKey_adminWithoutKeyId() {
    Principal p = auth.authenticate("sk-master").orElseThrow();
    assertThat(p.admin()).isTrue();
    assertThat(p.keyId()).isEmpty();
    assertThat(p.keyHash()).isEqualTo(KeySecrets.hash("sk-master"));
  }

  @Test
  void authenticate_virtualKey_principalCarriesItsEntities() {
    put(gov, Entities.org("o1"));
    put(gov, Entities.user("u1", UserRole.INTERNAL_USER));
    put(gov, Entities.team("t1", List.of(), false, Optional.of("o1")));
    String secret = KeySecrets.generate();
    put(
        gov,
        Entities.with(
            Entities.key("k1", secret),
            Optional.of("u1"),
            Optional.of("t1"),
            List.of("gpt-4o"),
            Optional.empty(),
            false));
    Principal p = auth.authenticate(secret).orElseThrow();
    assertThat(p.admin()).isFalse();
    assertThat(p.keyId()).contains("k1");
    assertThat(p.keyAlias()).contains("alias-k1");
    assertThat(p.userId()).contains("u1");
    assertThat(p.teamId()).contains("t1");
    assertThat(p.organizationId()).contains("o1");
    assertThat(p.models()).containsExactly("gpt-4o");
  }

  @Test
  void authenticate_unknownKey_empty() {
    assertThat(auth.authenticate("sk-nope")).isEmpty();
  }

  @Test
  void authenticate_blockedKey_401SayingBlocked() {
    String secret = KeySecrets.generate();
    put(
        gov,
        Entities.with(
            Entities.key("k1", secret),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Optional.empty(),
            true));
    assertThatThrownBy(() -> auth.authenticate(secret))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.status()).isEqualTo(401);
              assertThat(e.code()).isEqualTo("key_blocked");
              assertThat(e.getMessage()).contains("alias-k1").contains("blocked");
            });
  }

  @Test
  void authenticate_expiredKey_401AtTheExpiryInstant() {
    String secret = KeySecrets.generate();
    put(
        gov,
        Entities.with(
            Entities.key("k1", secret),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Optional.of(clock.instant()),
            false));
    assertThatThrownBy(() -> auth.authenticate(secret))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.status()).isEqualTo(401);
              assertThat(e.code()).isEqualTo("key_expired");
            });
    put(
        gov,
        Entities.with(
            Entities.key("k1", secret),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Optional.of(clock.instant().plusMillis(1)),
            false));
    assertThat(auth.authenticate(secret)).isPresent();
  }

  @Test
  void authenticate_keyOfBlockedTeam_401() {
    put(gov, Entities.team("t1", List.of(), true, Optional.empty()));
    String secret = KeySecrets.generate();
    put(
        gov,
        Entities.with(
            Entities.key("k1", secret),
            Optional.empty(),
            Optional.of("t1"),
            List.of(),
            Optional.empty(),
            false));
    assertThatThrownBy(() -> auth.authenticate(secret))
        .isInstanceOfSatisfying(
            GatewayException.class, e -> assertThat(e.code()).isEqualTo("team_blocked"));
  }

  @Test
  void authenticate_keyOfProxyAdminUser_isAdmin() {
    put(gov, Entities.user("boss", UserRole.PROXY_ADMIN));
    String secret = KeySecrets.generate();
    put(
        gov,
        Entities.with(
            Entities.key("k1", secret),
            Optional.of("boss"),
            Optional.empty(),
            List.of(),
            Optional.empty(),
            false));
    assertThat(auth.authenticate(secret).orElseThrow().admin()).isTrue();
  }

  @Test
  void authenticate_afterRegeneration_oldSecretRefusedNewAccepted() {
    String old = KeySecrets.generate();
    VirtualKey k = Entities.key("k1", old);
    put(gov, k);
    String fresh = KeySecrets.generate();
    put(gov, k.withSecret(KeySecrets.hash(fresh), KeySecrets.mask(fresh), Entities.T0));
    assertThat(auth.authenticate(old)).isEmpty();
    assertThat(auth.authenticate(fresh).orElseThrow().keyId()).contains("k1");
    assertThat(gov.snapshot().keyIdForSpend(KeySecrets.hash(old))).contains("k1");
  }
}

package dev.tollgate.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SessionsTest {
  private final Sessions sessions = new Sessions("sk-master");

  @Test
  void verify_issuedCookie_returnsItsSession() {
    String cookie = sessions.issue(Sessions.Kind.KEY, "key-1", 2_000);

    Sessions.Session s = sessions.verify(cookie, 1_000).orElseThrow();

    assertThat(s.kind()).isEqualTo(Sessions.Kind.KEY);
    assertThat(s.subject()).isEqualTo("key-1");
    assertThat(s.expiresAtSeconds()).isEqualTo(2_000);
  }

  @Test
  void verify_atOrAfterExpiry_refuses() {
    String cookie = sessions.issue(Sessions.Kind.MASTER, "", 2_000);

    assertThat(sessions.verify(cookie, 2_000)).isEmpty();
  }

  @Test
  void verify_anotherMasterKeysCookie_refuses() {
    String cookie = new Sessions("sk-other").issue(Sessions.Kind.MASTER, "", 2_000);

    assertThat(sessions.verify(cookie, 1_000)).isEmpty();
  }

  @Test
  void verify_garbage_refusesWithoutThrowing() {
    for (String bad : new String[] {"", ".", "abc", "abc.", ".abc", "a.b.c", "%%%.%%%"}) {
      assertThat(sessions.verify(bad, 1_000)).as(bad).isEmpty();
    }
  }

  @Test
  void csrfToken_boundToTheSession_andStableWithinIt() {
    Sessions.Session a =
        sessions.verify(sessions.issue(Sessions.Kind.MASTER, "", 2_000), 1_000).orElseThrow();
    Sessions.Session b =
        sessions.verify(sessions.issue(Sessions.Kind.MASTER, "", 2_000), 1_000).orElseThrow();

    assertThat(sessions.csrfToken(a)).isEqualTo(sessions.csrfToken(a));
    assertThat(sessions.csrfToken(a)).isNotEqualTo(sessions.csrfToken(b));
    assertThat(sessions.loginToken(a.nonce())).isNotEqualTo(sessions.csrfToken(a));
  }
}

package dev.tollgate.ui;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and checks the UI's session cookies and CSRF tokens. A session is the cookie itself,
 * signed with HMAC-SHA256 under a key derived from the master key: every instance that shares the
 * master key accepts it, and nothing is stored. Immutable; safe on any thread.
 */
final class Sessions {
  /** Who logged in: the master key, a virtual key (by id), or the UI_USERNAME user. */
  enum Kind {
    MASTER,
    KEY,
    USER
  }

  /**
   * One signed session.
   *
   * @param subject the key id for {@link Kind#KEY}, the user name for {@link Kind#USER}, else empty
   * @param expiresAtSeconds when the cookie stops being accepted, epoch seconds
   * @param nonce random, unique to the session; the CSRF token is derived from it
   */
  record Session(Kind kind, String subject, long expiresAtSeconds, String nonce) {}

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final String VERSION = "v1";

  private final byte[] key;
  private final SecureRandom random = new SecureRandom();

  /** Keys derived from {@code masterKey}; changing the master key ends every session. */
  Sessions(String masterKey) {
    this.key = hmac(masterKey.getBytes(StandardCharsets.UTF_8), "tollgate ui session key v1");
  }

  /** A new session's cookie value. */
  String issue(Kind kind, String subject, long expiresAtSeconds) {
    requireNonNull(subject, "subject");
    String payload =
        String.join(
            "|",
            VERSION,
            kind.name(),
            B64.encodeToString(subject.getBytes(StandardCharsets.UTF_8)),
            Long.toString(expiresAtSeconds),
            newNonce());
    String body = B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    return body + "." + B64.encodeToString(hmac(key, "session|" + body));
  }

  /** The session in {@code cookie} when its signature is right and it has not expired. */
  Optional<Session> verify(String cookie, long nowSeconds) {
    int dot = cookie.indexOf('.');
    if (dot <= 0) {
      return Optional.empty();
    }
    String body = cookie.substring(0, dot);
    byte[] presented;
    try {
      presented = B64D.decode(cookie.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (!MessageDigest.isEqual(presented, hmac(key, "session|" + body))) {
      return Optional.empty();
    }
    String[] parts = new String(B64D.decode(body), StandardCharsets.UTF_8).split("\\|", -1);
    if (parts.length != 5 || !parts[0].equals(VERSION)) {
      return Optional.empty();
    }
    long expires = Long.parseLong(parts[3]);
    if (nowSeconds >= expires) {
      return Optional.empty();
    }
    return Optional.of(
        new Session(
            Kind.valueOf(parts[1]),
            new String(B64D.decode(parts[2]), StandardCharsets.UTF_8),
            expires,
            parts[4]));
  }

  /** The CSRF token of a session: bound to it, so a token from another session fails. */
  String csrfToken(Session s) {
    return B64.encodeToString(hmac(key, "csrf|" + s.nonce()));
  }

  /** The CSRF token of the login form, bound to the login cookie's {@code nonce}. */
  String loginToken(String nonce) {
    return B64.encodeToString(hmac(key, "login|" + nonce));
  }

  /** Whether {@code presented} is {@code expected}, in constant time. */
  static boolean same(String expected, String presented) {
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }

  String newNonce() {
    byte[] b = new byte[18];
    random.nextBytes(b);
    return B64.encodeToString(b);
  }

  private static byte[] hmac(byte[] key, String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is always present", e);
    }
  }
}

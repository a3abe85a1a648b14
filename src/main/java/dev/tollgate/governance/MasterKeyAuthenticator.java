package dev.tollgate.governance;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/** Accepts exactly the master key, compared in constant time. Immutable and thread-safe. */
public final class MasterKeyAuthenticator implements Authenticator {
  private final byte[] masterHash;
  private final Principal master;

  public MasterKeyAuthenticator(String masterKey) {
    this.masterHash = sha256(masterKey);
    this.master = new Principal(HexFormat.of().formatHex(masterHash), true);
  }

  @Override
  public Optional<Principal> authenticate(String key) {
    return matches(sha256(key)) ? Optional.of(master) : Optional.empty();
  }

  /** Whether {@code keyHash} (raw SHA-256 bytes) is the master key's, in constant time. */
  boolean matches(byte[] keyHash) {
    return MessageDigest.isEqual(keyHash, masterHash);
  }

  Principal principal() {
    return master;
  }

  /** SHA-256 of a key; what Tollgate stores instead of keys. */
  public static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }
}

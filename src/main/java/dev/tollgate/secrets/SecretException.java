package dev.tollgate.secrets;

/** A stored secret cannot be decrypted; the message says why, never the value. */
public final class SecretException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SecretException(String message) {
    super(message);
  }
}

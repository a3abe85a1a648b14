package dev.tollgate.governance;

import java.util.Optional;

/**
 * Turns a presented API key into a {@link Principal}. Implementations answer from memory: they are
 * called on the event loop for every request and must never block.
 */
public interface Authenticator {
  Optional<Principal> authenticate(String key);
}

package dev.tollgate.config;

import java.util.Optional;

/**
 * {@code general_settings}.
 *
 * @param maxRequestBytes the largest request body accepted ({@code max_request_size_mb})
 */
public record GeneralSettings(
    Optional<String> masterKey,
    Optional<String> databaseUrl,
    boolean storeModelInDb,
    long maxRequestBytes,
    Optional<String> redisUrl) {

  /** 32 MiB: room for base64 images in chat requests. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 32L * 1024 * 1024;

  public static GeneralSettings defaults() {
    return new GeneralSettings(
        Optional.empty(), Optional.empty(), false, DEFAULT_MAX_REQUEST_BYTES, Optional.empty());
  }
}

package dev.tollgate.config;

import java.util.Optional;

/**
 * {@code general_settings}.
 *
 * @param maxRequestBytes the largest request body accepted ({@code max_request_size_mb})
 * @param configSyncMillis how often stored models and governance entities (keys, teams, budgets and
 *     the rest) are re-read ({@code config_sync_interval_seconds})
 * @param alerting where budget alerts go, as in LiteLLM ({@code ["webhook"]} with {@code
 *     WEBHOOK_URL})
 * @param redisFailureMode what admission does while Redis is unreachable: {@code local} (the
 *     default: fall back to this instance's counters) or {@code closed} (refuse with 503)
 * @param backgroundHealthChecks {@code background_health_checks}: check every deployment every
 *     {@code healthCheckIntervalMillis}, and cool down the ones that fail
 * @param healthCheckIntervalMillis {@code health_check_interval} (seconds in the file; 300)
 * @param connections the limits on what clients may hold open without doing work
 * @param apiBaseDenylist {@code api_base_denylist}: where API-created models may not point; {@link
 *     ApiBaseDenylist#DEFAULT} when absent
 * @param jsonLogs {@code json_logs}: log one JSON object per line, as LiteLLM's {@code JSON_LOGS}
 * @param allowMockTestingParams {@code dangerously_allow_mock_testing_request_params}: whether
 *     requests may carry LiteLLM's {@code mock_testing_*} and {@code mock_timeout} fields, which
 *     fabricate upstream failures (and so cooldowns); refused with a 400 otherwise, as in LiteLLM
 */
public record GeneralSettings(
    Optional<String> masterKey,
    Optional<String> databaseUrl,
    boolean storeModelInDb,
    long maxRequestBytes,
    Optional<String> redisUrl,
    long configSyncMillis,
    java.util.List<String> alerting,
    Optional<String> redisFailureMode,
    java.util.Set<String> allowedEnvReferences,
    boolean backgroundHealthChecks,
    long healthCheckIntervalMillis,
    Connections connections,
    ApiBaseDenylist apiBaseDenylist,
    boolean jsonLogs,
    boolean allowMockTestingParams) {

  /**
   * {@code max_connections} (0: from the process's file-descriptor limit), {@code
   * header_timeout_seconds}, {@code body_timeout_seconds}, {@code idle_timeout_seconds} and {@code
   * max_buffered_request_mb} (0: a quarter of the heap, and at least twice {@code
   * max_request_size_mb}).
   */
  public record Connections(
      int maxConnections,
      long headerTimeoutMillis,
      long bodyTimeoutMillis,
      long idleTimeoutMillis,
      long maxBufferedBytes) {
    public static final long DEFAULT_HEADER_TIMEOUT_MILLIS = 10_000;
    public static final long DEFAULT_BODY_TIMEOUT_MILLIS = 120_000;
    public static final long DEFAULT_IDLE_TIMEOUT_MILLIS = 60_000;

    public static Connections defaults() {
      return new Connections(
          0,
          DEFAULT_HEADER_TIMEOUT_MILLIS,
          DEFAULT_BODY_TIMEOUT_MILLIS,
          DEFAULT_IDLE_TIMEOUT_MILLIS,
          0);
    }
  }

  /** LiteLLM's {@code health_check_interval}: 300 s. */
  public static final long DEFAULT_HEALTH_CHECK_INTERVAL_MILLIS = 300_000;

  public GeneralSettings {
    alerting = java.util.List.copyOf(alerting);
    allowedEnvReferences = java.util.Set.copyOf(allowedEnvReferences);
    java.util.Objects.requireNonNull(apiBaseDenylist, "apiBaseDenylist");
  }

  /** 32 MiB: room for base64 images in chat requests. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 32L * 1024 * 1024;

  /** How often each instance re-reads the models stored in the database: 30 s. */
  public static final long DEFAULT_CONFIG_SYNC_MILLIS = 30_000;

  public static GeneralSettings defaults() {
    return new GeneralSettings(
        Optional.empty(),
        Optional.empty(),
        false,
        DEFAULT_MAX_REQUEST_BYTES,
        Optional.empty(),
        DEFAULT_CONFIG_SYNC_MILLIS,
        java.util.List.of(),
        Optional.empty(),
        java.util.Set.of(),
        false,
        DEFAULT_HEALTH_CHECK_INTERVAL_MILLIS,
        Connections.defaults(),
        ApiBaseDenylist.DEFAULT,
        false,
        false);
  }
}

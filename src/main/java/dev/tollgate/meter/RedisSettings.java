package dev.tollgate.meter;

import static java.util.Objects.requireNonNull;

import dev.tollgate.config.Environment;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.RouterSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;

/**
 * How to reach Redis and how a {@link RedisMeter} behaves around it. Immutable.
 *
 * @param endpoint a Redis connection string, {@code redis://[:password@]host[:port][/db]} (or
 *     {@code rediss://} for TLS)
 * @param password used when the endpoint carries none
 * @param keyPrefix put before every key the meter writes, so several gateways can share a Redis
 * @param failureMode what admission does while Redis cannot be reached
 * @param commandTimeout how long one command may take before Redis counts as unreachable
 * @param probeInterval how often Redis is pinged while it is unreachable
 * @param maxQueuedSettlements how many settlements are kept for replay during an outage; more are
 *     dropped (and counted)
 * @param instanceTtl how long an instance counts as alive after its last heartbeat (sent every
 *     third of it); once it has passed, another instance releases the reservations the silent one
 *     still holds in Redis
 */
public record RedisSettings(
    String endpoint,
    Optional<String> password,
    String keyPrefix,
    RedisFailureMode failureMode,
    Duration commandTimeout,
    Duration probeInterval,
    int maxQueuedSettlements,
    Duration instanceTtl) {

  public static final String DEFAULT_KEY_PREFIX = "tollgate:";
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(2000);
  public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofMillis(500);
  public static final int DEFAULT_MAX_QUEUED_SETTLEMENTS = 100_000;
  public static final Duration DEFAULT_INSTANCE_TTL = Duration.ofSeconds(15);

  public RedisSettings {
    requireNonNull(endpoint, "endpoint");
    requireNonNull(password, "password");
    requireNonNull(keyPrefix, "keyPrefix");
    requireNonNull(failureMode, "failureMode");
    requireNonNull(commandTimeout, "commandTimeout");
    requireNonNull(probeInterval, "probeInterval");
    requireNonNull(instanceTtl, "instanceTtl");
    if (!endpoint.startsWith("redis://") && !endpoint.startsWith("rediss://")) {
      throw new IllegalArgumentException(
          "redis url must start with redis:// or rediss://, not '" + redacted(endpoint) + "'");
    }
    if (commandTimeout.toMillis() < 1 || probeInterval.toMillis() < 1) {
      throw new IllegalArgumentException("redis timeouts must be at least 1 ms");
    }
    if (instanceTtl.toMillis() < 3) {
      throw new IllegalArgumentException("redis instance ttl must be at least 3 ms");
    }
    if (maxQueuedSettlements < 0) {
      throw new IllegalArgumentException("maxQueuedSettlements must not be negative");
    }
  }

  /** Settings for this URL, with every other setting at its default. */
  public static RedisSettings ofUrl(String url) {
    return new RedisSettings(
        url,
        Optional.empty(),
        DEFAULT_KEY_PREFIX,
        RedisFailureMode.LOCAL,
        DEFAULT_COMMAND_TIMEOUT,
        DEFAULT_PROBE_INTERVAL,
        DEFAULT_MAX_QUEUED_SETTLEMENTS,
        DEFAULT_INSTANCE_TTL);
  }

  /** Settings for this host, port and password, with every other setting at its default. */
  public static RedisSettings ofHost(String host, int port, Optional<String> password) {
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return ofUrl("redis://" + h + ":" + port).withPassword(password);
  }

  /**
   * Where the config says Redis is, or empty when it names none. In order: {@code
   * general_settings.redis_url}, {@code REDIS_URL}, {@code router_settings.redis_host} (with {@code
   * redis_port} and {@code redis_password}), then {@code REDIS_HOST} (with {@code REDIS_PORT} and
   * {@code REDIS_PASSWORD}).
   *
   * @throws IllegalArgumentException when {@code REDIS_PORT} is not a port number
   */
  public static Optional<RedisSettings> from(GatewayConfig config, Environment env) {
    Optional<String> url = config.general().redisUrl().or(() -> env.get("REDIS_URL"));
    if (url.isPresent()) {
      return Optional.of(ofUrl(url.get()));
    }
    RouterSettings router = config.router();
    if (router.redisHost().isPresent()) {
      int port = router.redisPort().isPresent() ? router.redisPort().getAsInt() : 6379;
      return Optional.of(ofHost(router.redisHost().get(), port, router.redisPassword()));
    }
    Optional<String> host = env.get("REDIS_HOST");
    if (host.isPresent()) {
      int port = env.get("REDIS_PORT").map(RedisSettings::port).orElse(6379);
      return Optional.of(ofHost(host.get(), port, env.get("REDIS_PASSWORD")));
    }
    return Optional.empty();
  }

  public RedisSettings withPassword(Optional<String> password) {
    return new RedisSettings(
        endpoint,
        password,
        keyPrefix,
        failureMode,
        commandTimeout,
        probeInterval,
        maxQueuedSettlements,
        instanceTtl);
  }

  public RedisSettings withKeyPrefix(String keyPrefix) {
    return new RedisSettings(
        endpoint,
        password,
        keyPrefix,
        failureMode,
        commandTimeout,
        probeInterval,
        maxQueuedSettlements,
        instanceTtl);
  }

  public RedisSettings withFailureMode(RedisFailureMode failureMode) {
    return new RedisSettings(
        endpoint,
        password,
        keyPrefix,
        failureMode,
        commandTimeout,
        probeInterval,
        maxQueuedSettlements,
        instanceTtl);
  }

  public RedisSettings withTimeouts(Duration commandTimeout, Duration probeInterval) {
    return new RedisSettings(
        endpoint,
        password,
        keyPrefix,
        failureMode,
        commandTimeout,
        probeInterval,
        maxQueuedSettlements,
        instanceTtl);
  }

  public RedisSettings withMaxQueuedSettlements(int maxQueuedSettlements) {
    return new RedisSettings(
        endpoint,
        password,
        keyPrefix,
        failureMode,
        commandTimeout,
        probeInterval,
        maxQueuedSettlements,
        instanceTtl);
  }

  public RedisSettings withInstanceTtl(Duration instanceTtl) {
    return new RedisSettings(
        endpoint,
        password,
        keyPrefix,
        failureMode,
        commandTimeout,
        probeInterval,
        maxQueuedSettlements,
        instanceTtl);
  }

  /** Never shows a password: the endpoint without its user info. */
  @Override
  public String toString() {
    return "RedisSettings[endpoint="
        + redacted(endpoint)
        + ", password="
        + (password.isPresent() ? "***" : "none")
        + ", keyPrefix="
        + keyPrefix
        + ", failureMode="
        + failureMode
        + ", commandTimeout="
        + commandTimeout
        + ", probeInterval="
        + probeInterval
        + ", maxQueuedSettlements="
        + maxQueuedSettlements
        + ", instanceTtl="
        + instanceTtl
        + "]";
  }

  /** The endpoint with any user info replaced by {@code ***}, for logs and messages. */
  public String redactedEndpoint() {
    return redacted(endpoint);
  }

  private static String redacted(String url) {
    try {
      URI u = new URI(url);
      if (u.getRawUserInfo() == null) {
        return url;
      }
      return url.replace(u.getRawUserInfo() + "@", "***@");
    } catch (URISyntaxException e) {
      return "(unparseable redis url)";
    }
  }

  private static int port(String text) {
    try {
      int p = Integer.parseInt(text.trim());
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("REDIS_PORT must be a port number from 1 to 65535");
  }
}

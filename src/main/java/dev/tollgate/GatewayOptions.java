package dev.tollgate;

import dev.tollgate.config.Environment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How to start a gateway: what the command line gives, plus the environment.
 *
 * @param instances event-loop instances to deploy; one per core by default
 * @param clock the time budgets, windows and spend records read; tests advance their own
 */
public record GatewayOptions(
    Optional<Path> config,
    String host,
    int port,
    Path dataDir,
    Environment env,
    int instances,
    java.time.Clock clock) {

  public static final int DEFAULT_PORT = 4000;
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final Path DEFAULT_DATA_DIR = Path.of("tollgate-data");

  public static GatewayOptions defaults() {
    return new GatewayOptions(
        Optional.empty(),
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEFAULT_DATA_DIR,
        Environment.system(),
        Runtime.getRuntime().availableProcessors(),
        java.time.Clock.systemUTC());
  }

  public GatewayOptions withConfig(Path file) {
    return new GatewayOptions(Optional.of(file), host, port, dataDir, env, instances, clock);
  }

  public GatewayOptions withHost(String h) {
    return new GatewayOptions(config, h, port, dataDir, env, instances, clock);
  }

  public GatewayOptions withPort(int p) {
    return new GatewayOptions(config, host, p, dataDir, env, instances, clock);
  }

  public GatewayOptions withDataDir(Path d) {
    return new GatewayOptions(config, host, port, d, env, instances, clock);
  }

  public GatewayOptions withEnv(Environment e) {
    return new GatewayOptions(config, host, port, dataDir, e, instances, clock);
  }

  public GatewayOptions withInstances(int n) {
    return new GatewayOptions(config, host, port, dataDir, env, n, clock);
  }

  public GatewayOptions withClock(java.time.Clock c) {
    return new GatewayOptions(config, host, port, dataDir, env, instances, c);
  }
}

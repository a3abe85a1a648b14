package dev.tollgate;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.DeploymentConfig;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.governance.MasterKeyAuthenticator;
import dev.tollgate.provider.Providers;
import dev.tollgate.provider.openai.OpenAiProvider;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.ModelRegistry;
import dev.tollgate.routing.RegistryHolder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the config snapshot, the registry, and the HTTP servers on every event loop.
 * Start it with {@link #start}; stop it with {@link #close}.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  static final String MASTER_KEY_FILE = "master_key";

  private final Vertx vertx;
  private final GatewayConfig config;
  private final RegistryHolder registry;
  private final int port;
  private final String masterKey;
  private final boolean masterKeyGenerated;

  private Gateway(
      Vertx vertx,
      GatewayConfig config,
      RegistryHolder registry,
      int port,
      String masterKey,
      boolean generated) {
    this.vertx = vertx;
    this.config = config;
    this.registry = registry;
    this.port = port;
    this.masterKey = masterKey;
    this.masterKeyGenerated = generated;
  }

  /**
   * Loads the config, resolves the master key and starts serving. Blocks until the gateway is ready
   * or has failed; a bad config throws {@link dev.tollgate.config.ConfigException}.
   */
  public static Gateway start(GatewayOptions options) {
    GatewayConfig config =
        options.config().isPresent()
            ? ConfigLoader.load(options.config().get(), options.env())
            : ConfigLoader.parse("built-in default config", defaultConfigText(), options.env());
    config.warnings().forEach(w -> LOG.warn("{}", w));
    for (DeploymentConfig d : config.modelList()) {
      String provider = d.params().provider();
      if (!Providers.supports(provider)) {
        LOG.warn(
            "{}: model group '{}' (deployment {}) uses provider '{}', which this version does not"
                + " support; requests to it get 501",
            config.source(),
            d.modelName(),
            d.id(),
            provider);
      } else if (OpenAiProvider.requiresApiBase(provider) && d.params().apiBase().isEmpty()) {
        throw new dev.tollgate.config.ConfigException(
            config.source(),
            "model_list (model_name " + d.modelName() + ").litellm_params.api_base",
            "is required for provider " + provider);
      }
    }
    MasterKey key = masterKey(options, config);
    RegistryHolder registry = new RegistryHolder(registryFrom(config));
    MasterKeyAuthenticator auth = new MasterKeyAuthenticator(key.value());

    Vertx vertx =
        Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, options.instances())));
    try {
      // Verticles on one Vert.x instance share a listening socket only when they ask for the
      // same port; each asking for port 0 would get its own, so a free port is chosen first.
      int requested = options.port() == 0 ? freePort(options.host()) : options.port();
      List<GatewayVerticle> verticles = new ArrayList<>();
      for (int i = 0; i < options.instances(); i++) {
        GatewayVerticle v = new GatewayVerticle(config, registry, auth, options.host(), requested);
        await(vertx.deployVerticle(v));
        verticles.add(v);
      }
      int port = verticles.get(0).actualPort();
      for (GatewayVerticle v : verticles) {
        if (v.actualPort() != port) {
          throw new IllegalStateException(
              "event loops bound different ports: " + port + " and " + v.actualPort());
        }
      }
      return new Gateway(vertx, config, registry, port, key.value(), key.generated());
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  /** Builds the registry snapshot from the config's model list. */
  static ModelRegistry registryFrom(GatewayConfig config) {
    List<Deployment> ds = new ArrayList<>();
    for (DeploymentConfig d : config.modelList()) {
      ds.add(
          new Deployment(
              d.id(), d.modelName(), d.params(), d.modelInfo(), Deployment.Origin.CONFIG));
    }
    return ModelRegistry.of(ds, config.router().modelGroupAlias());
  }

  public int port() {
    return port;
  }

  public GatewayConfig config() {
    return config;
  }

  public RegistryHolder registry() {
    return registry;
  }

  /** The master key; shown to the operator once when it was generated. */
  public String masterKey() {
    return masterKey;
  }

  public boolean masterKeyGenerated() {
    return masterKeyGenerated;
  }

  @Override
  public void close() {
    await(vertx.close());
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = Objects.requireNonNullElse(e.getCause(), e);
      throw c instanceof RuntimeException r ? r : new IllegalStateException(c.getMessage(), c);
    }
  }

  private static int freePort(String host) {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + host, e);
    }
  }

  static String defaultConfigText() {
    try (InputStream in = Gateway.class.getResourceAsStream("default-config.yaml")) {
      if (in == null) {
        throw new IllegalStateException("the built-in default config is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record MasterKey(String value, boolean generated) {}

  /**
   * The master key: {@code TOLLGATE_MASTER_KEY}, else {@code general_settings.master_key}, else the
   * one stored in the data dir, else a new one, stored there (owner-only) for next time.
   */
  private static MasterKey masterKey(GatewayOptions options, GatewayConfig config) {
    Optional<String> fromEnv = options.env().get("TOLLGATE_MASTER_KEY");
    if (fromEnv.isPresent()) {
      return new MasterKey(fromEnv.get(), false);
    }
    if (config.general().masterKey().isPresent()) {
      return new MasterKey(config.general().masterKey().get(), false);
    }
    Path file = options.dataDir().resolve(MASTER_KEY_FILE);
    try {
      Files.createDirectories(options.dataDir());
      if (Files.exists(file)) {
        String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!stored.isEmpty()) {
          return new MasterKey(stored, false);
        }
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String key = "sk-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        LOG.warn("cannot restrict permissions of {} on this file system", file);
      }
      return new MasterKey(key, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the master key in " + file, e);
    }
  }
}

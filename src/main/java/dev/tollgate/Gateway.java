package dev.tollgate;

import dev.tollgate.admin.AdminRoutes;
import dev.tollgate.admin.AuditRoutes;
import dev.tollgate.admin.GovernanceRoutes;
import dev.tollgate.admin.ModelAdmin;
import dev.tollgate.admin.SpendRoutes;
import dev.tollgate.budget.AlertSink;
import dev.tollgate.budget.BudgetSettings;
import dev.tollgate.budget.CounterStore;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.budget.WebhookAlertSink;
import dev.tollgate.cache.ResponseCache;
import dev.tollgate.common.PrivateFiles;
import dev.tollgate.config.CacheParams;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.DeploymentConfig;
import dev.tollgate.config.Environment;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GeneralSettings;
import dev.tollgate.governance.AuditLog;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.GovernanceStore;
import dev.tollgate.governance.KeyAuthenticator;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.logging.JsonLogs;
import dev.tollgate.meter.LocalMeter;
import dev.tollgate.meter.Meter;
import dev.tollgate.meter.RedisChangeNotifier;
import dev.tollgate.meter.RedisFailureMode;
import dev.tollgate.meter.RedisMeter;
import dev.tollgate.meter.RedisSettings;
import dev.tollgate.pricing.Catalog;
import dev.tollgate.pricing.CostMapSource;
import dev.tollgate.pricing.PricingException;
import dev.tollgate.provider.InvalidParam;
import dev.tollgate.provider.Providers;
import dev.tollgate.proxy.ProxyCounters;
import dev.tollgate.routing.ModelGroup;
import dev.tollgate.routing.ModelRegistrar;
import dev.tollgate.routing.RegistryHolder;
import dev.tollgate.store.ChangeNotifier;
import dev.tollgate.store.Database;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the config snapshot, the registry, and the HTTP servers on every event loop.
 * Start it with {@link #start}; stop it with {@link #close}.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  static final String MASTER_KEY_FILE = "master_key";

  /** Runs each start-up task on a thread of its own, so the slow ones overlap. */
  private static final java.util.concurrent.Executor START_THREAD =
      r -> Thread.ofPlatform().name("tollgate-start").daemon().start(r);

  private final Vertx vertx;
  private final GatewayConfig config;
  private final ModelRegistrar registrar;
  private final SpendListeners spend;
  private final Database db;
  private final ConfigSync sync;
  private final ConfigSync governanceSync;
  private final ChangeNotifier notifier;
  private final ModelAdmin models;
  private final PeerCheck peers;
  private final Enforcer enforcer;
  private final dev.tollgate.routing.Routing routing;
  private final dev.tollgate.proxy.ConnectionGuard.Limits connectionLimits;
  private final int port;
  private final String masterKey;
  private final boolean masterKeyGenerated;

  private final java.util.Set<String> mountedRoutes;
  private final dev.tollgate.tracing.Tracing tracing;

  private Gateway(
      Vertx vertx,
      GatewayConfig config,
      ModelRegistrar registrar,
      SpendListeners spend,
      Database db,
      ConfigSync sync,
      ConfigSync governanceSync,
      ChangeNotifier notifier,
      ModelAdmin models,
      PeerCheck peers,
      Enforcer enforcer,
      dev.tollgate.routing.Routing routing,
      dev.tollgate.proxy.ConnectionGuard.Limits connectionLimits,
      int port,
      String masterKey,
      boolean generated,
      java.util.Set<String> mountedRoutes,
      dev.tollgate.tracing.Tracing tracing) {
    this.mountedRoutes = mountedRoutes;
    this.tracing = tracing;
    this.vertx = vertx;
    this.config = config;
    this.registrar = registrar;
    this.spend = spend;
    this.db = db;
    this.sync = sync;
    this.governanceSync = governanceSync;
    this.notifier = notifier;
    this.models = models;
    this.peers = peers;
    this.enforcer = enforcer;
    this.routing = routing;
    this.connectionLimits = connectionLimits;
    this.port = port;
    this.masterKey = masterKey;
    this.masterKeyGenerated = generated;
  }

  /**
   * Loads the config, resolves the master key and starts serving. Blocks until the gateway is ready
   * or has failed; a bad config throws {@link dev.tollgate.config.ConfigException}.
   */
  public static Gateway start(GatewayOptions options) {
    // Parsing the bundled catalog and starting Vert.x are the longest steps of start-up; they
    // run on their own threads while the config is read.
    java.util.concurrent.CompletableFuture<Catalog> bundled =
        java.util.concurrent.CompletableFuture.supplyAsync(Catalog::bundled, START_THREAD);
    java.util.concurrent.CompletableFuture<Vertx> vertxStarting =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                Vertx.vertx(
                    new VertxOptions().setEventLoopPoolSize(Math.max(1, options.instances()))),
            START_THREAD);
    try {
      return start(options, bundled, vertxStarting);
    } catch (RuntimeException e) {
      vertxStarting.thenAccept(Vertx::close);
      throw e;
    }
  }

  private static Gateway start(
      GatewayOptions options,
      java.util.concurrent.CompletableFuture<Catalog> bundled,
      java.util.concurrent.CompletableFuture<Vertx> vertxStarting) {
    GatewayConfig config =
        options.config().isPresent()
            ? ConfigLoader.load(options.config().get(), options.env())
            : ConfigLoader.parse("built-in default config", defaultConfigText(), options.env());
    if (config.general().jsonLogs()
        || JsonLogs.parse(options.env().get("JSON_LOGS").orElse(null))) {
      // From here on; JSON_LOGS in the process environment made the earlier lines JSON too.
      JsonLogs.set(true);
    }
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
      } else {
        Optional<InvalidParam> invalid = Providers.validate(d.params());
        if (invalid.isPresent()) {
          throw new ConfigException(
              config.source(),
              "model_list (model_name "
                  + d.modelName()
                  + ").litellm_params."
                  + invalid.get().param(),
              invalid.get().problem());
        }
      }
    }
    MasterKey key = masterKey(options, config);
    if (KeySecrets.tooShort(key.value())) {
      // Accepted, as LiteLLM's examples use sk-1234; an imported virtual key this short is refused.
      LOG.warn(
          "the master key has fewer than {} characters after 'sk-': it is easy to guess; use a"
              + " long random key outside a test setup",
          KeySecrets.MIN_SECRET_CHARS);
    }
    Optional<String> databaseUrl =
        config.general().databaseUrl().or(() -> options.env().get("DATABASE_URL"));
    java.util.concurrent.CompletableFuture<Database> dbOpening =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> Database.open(databaseUrl, options.dataDir()), START_THREAD);
    try {
      return start(options, config, key, bundled, vertxStarting, dbOpening);
    } catch (RuntimeException e) {
      dbOpening.thenAccept(Database::close);
      throw e;
    }
  }

  private static Gateway start(
      GatewayOptions options,
      GatewayConfig config,
      MasterKey key,
      java.util.concurrent.CompletableFuture<Catalog> bundled,
      java.util.concurrent.CompletableFuture<Vertx> vertxStarting,
      java.util.concurrent.CompletableFuture<Database> dbOpening) {
    Catalog catalog = startupCatalog(config, options.env(), bundled);
    ModelRegistrar registrar;
    try {
      registrar =
          new ModelRegistrar(config.modelList(), config.router().modelGroupAlias(), catalog);
    } catch (ModelRegistrar.RegistrationException e) {
      int index = config.modelList().indexOf(e.deployment());
      throw new ConfigException(
          config.source(), "model_list[" + index + "].litellm_params", e.getMessage());
    }
    RegistryHolder registry = registrar.holder();
    Environment env = options.env();
    Database db;
    try {
      db = dbOpening.join();
    } catch (java.util.concurrent.CompletionException e) {
      Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
      throw new ConfigException(
          config.source(),
          config.general().databaseUrl().isPresent()
              ? "general_settings.database_url"
              : "(DATABASE_URL or the data dir)",
          String.valueOf(cause.getMessage()));
    }
    LOG.info("store: {}", db.description());
    GovernanceStore governanceStore = db.governance();
    CounterStore counterStore = db.counters();
    SpendListeners spend = new SpendListeners();
    java.util.concurrent.atomic.AtomicReference<@Nullable ChangeNotifier> notifier =
        new java.util.concurrent.atomic.AtomicReference<>();
    ModelAdmin models =
        new ModelAdmin(
            registrar,
            env,
            config.general().allowedEnvReferences(),
            config.general().apiBaseDenylist(),
            config.litellm().dropParams(),
            db.models(),
            () -> {
              ChangeNotifier n = notifier.get();
              if (n != null) {
                n.notifyChange(ChangeNotifier.Topic.MODELS);
              }
            },
            config.litellm().storeAuditLogs() ? Optional.of(db.auditLog()) : Optional.empty());
    int stored = models.syncFromStore();
    if (stored > 0) {
      LOG.info("{} model(s) from the store registered", stored);
    }
    Clock clock = options.clock();
    BudgetSettings budgetSettings;
    try {
      budgetSettings =
          BudgetSettings.from(config.litellm())
              .withProviderBudgets(config.router().providerBudgets());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          config.source(), "litellm_settings", String.valueOf(e.getMessage()));
    }
    Governance governance =
        Governance.load(
            governanceStore,
            budgetSettings.maxEndUserBudgetId().map(Set::of).orElse(Set.of()),
            () -> {
              ChangeNotifier n = notifier.get();
              if (n != null) {
                n.notifyChange(ChangeNotifier.Topic.GOVERNANCE);
              }
            },
            config.litellm().storeAuditLogs()
                ? Optional.of(Database::auditJson)
                : Optional.empty());
    KeyAuthenticator auth = new KeyAuthenticator(key.value(), governance, clock);
    AdminRoutes admin =
        new AdminRoutes(auth, governance, models, registrar, () -> costMapLocation(config, env));
    SpendRoutes spendRoutes = new SpendRoutes(auth, governance::snapshot, db.spendQueries(), clock);

    Vertx vertx = vertxStarting.join();
    AlertSink alerts =
        WebhookAlertSink.configuredUrl(config.general().alerting(), env)
            .<AlertSink>map(url -> WebhookAlertSink.create(vertx, url))
            .orElse(AlertSink.NONE);
    Optional<RedisSettings> redis = RedisSettings.from(config, env);
    Meter meter = meter(config, redis, vertx);
    Optional<ResponseCache> cache = responseCache(config, redis, vertx, clock);
    Enforcer enforcer =
        new Enforcer(
            governance,
            budgetSettings,
            clock,
            alerts,
            name -> registry.current().resolve(name).map(ModelGroup::name),
            meter);
    // The stored counters move with the spend log; one changed by hand is corrected here, before
    // it becomes the floor that admission starts from.
    db.reconcileCounters(clock.millis());
    // A floor reload (Redis lost data) first waits for the spend already settled to be committed.
    enforcer.useStore(
        counterStore, () -> db.spendLog().awaitPersisted(java.time.Duration.ofSeconds(10)));
    enforcer.restore(counterStore.loadCounters());
    // Settled before it is logged: the settlement says which counters the record was charged to,
    // and the spend log moves those stored counters in the transaction that writes the record.
    spend.add(new SettleThenLog(enforcer, db.spendLog()));
    PeerCheck peers =
        new PeerCheck(
            vertx,
            enforcer,
            counterStore,
            !(meter instanceof LocalMeter),
            db.instances(),
            Clock.systemUTC());
    ProxyCounters proxyCounters = new ProxyCounters();
    Optional<dev.tollgate.metrics.PrometheusMetrics> prometheus =
        config.litellm().prometheus()
            ? Optional.of(
                new dev.tollgate.metrics.PrometheusMetrics(
                    governance::snapshot,
                    enforcer,
                    db.spendLog(),
                    proxyCounters,
                    clock,
                    config.litellm().prometheusMetrics()))
            : Optional.empty();
    if (config.litellm().genericApi()) {
      dev.tollgate.export.GenericApiExport export = genericApiExport(config, env, governance);
      spend.add(export);
      prometheus.ifPresent(m -> m.exportCounters(export));
    }
    // Per-request series are counted from each spend record, off the request path.
    Optional<dev.tollgate.metrics.RequestMetrics> requestMetrics =
        prometheus.map(
            m ->
                new dev.tollgate.metrics.RequestMetrics(
                    m.registry(),
                    governance::snapshot,
                    registry,
                    config.litellm().prometheusMetrics(),
                    clock));
    requestMetrics.ifPresent(spend::add);
    dev.tollgate.routing.Routing routing =
        new dev.tollgate.routing.Routing(
            config.router(),
            cooldowns(config, registry, redis, vertx, clock),
            clock,
            redis.isPresent() && config.router().routingStrategy().equals("usage-based-routing-v2")
                ? new dev.tollgate.meter.RedisUsage(vertx, redis.get(), clock)
                : dev.tollgate.routing.SharedUsage.local(),
            requestMetrics
                .<java.util.function.ObjIntConsumer<dev.tollgate.routing.Deployment>>map(
                    m -> m::cooledDown)
                .orElse((d, status) -> {}));
    requestMetrics.ifPresent(m -> m.deploymentState(routing::cooling));
    Optional<AuditLog> audit =
        config.litellm().storeAuditLogs() ? Optional.of(db.auditLog()) : Optional.empty();
    GovernanceRoutes governanceRoutes =
        new GovernanceRoutes(auth, governance, enforcer, clock, audit);
    Services services =
        new Services(
            config,
            registry,
            auth,
            governance,
            enforcer,
            spend,
            db,
            admin,
            spendRoutes,
            new AuditRoutes(
                auth, governance::snapshot, db.auditLog(), config.litellm().storeAuditLogs()),
            governanceRoutes,
            proxyCounters,
            connectionLimits(config.general()),
            routing,
            new dev.tollgate.health.HealthChecks(
                registry,
                auth,
                spend,
                clock,
                config.general().backgroundHealthChecks(),
                config.general().healthCheckIntervalMillis()),
            clock,
            models,
            java.util.concurrent.ConcurrentHashMap.newKeySet(),
            prometheus,
            new dev.tollgate.ui.AdminUi(
                key.value(),
                auth,
                governance,
                governanceRoutes,
                enforcer,
                registrar,
                models,
                db.spendQueries(),
                env,
                clock,
                config,
                db),
            dev.tollgate.tracing.Tracing.of(
                config.litellm().otel(), config.litellm().messagesRecorded(), env),
            requestMetrics
                .<dev.tollgate.provider.UpstreamLimits>map(m -> m)
                .orElse(dev.tollgate.provider.UpstreamLimits.NONE),
            cache);

    ConfigSync sync = new ConfigSync(vertx, models, config.general().configSyncMillis());
    // Keys, budgets and the rest change on other instances too: re-read them at the same interval,
    // and at once when one announces a change. governanceSync::trigger is the hook for any other
    // signal of such a change.
    ConfigSync governanceSync =
        new ConfigSync(
            vertx, "governance", governance::reload, config.general().configSyncMillis());
    java.util.function.Consumer<ChangeNotifier.Topic> onChange =
        topic -> (topic == ChangeNotifier.Topic.GOVERNANCE ? governanceSync : sync).trigger();
    ChangeNotifier changes = db.changeNotifier(onChange);
    if (redis.isPresent()) {
      // With Redis, admin changes reach every instance through it too, whatever the database.
      changes =
          RedisChangeNotifier.both(changes, new RedisChangeNotifier(vertx, redis.get(), onChange));
    }
    notifier.set(changes);
    // what other instances changed between the load above and listening is read now
    governanceSync.trigger();
    // Verticles on one Vert.x instance share a listening socket only when they ask for the
    // same port; each asking for port 0 would get its own, so a free port is chosen first.
    int requested = options.port() == 0 ? freePort(options.host()) : options.port();
    List<GatewayVerticle> verticles = new java.util.concurrent.CopyOnWriteArrayList<>();
    await(
        vertx.deployVerticle(
            () -> {
              GatewayVerticle v = new GatewayVerticle(services, options.host(), requested);
              verticles.add(v);
              return v;
            },
            new DeploymentOptions().setInstances(Math.max(1, options.instances()))));
    await(services.health().start(vertx, services.routing()));
    int port = verticles.get(0).actualPort();
    for (GatewayVerticle v : verticles) {
      if (v.actualPort() != port) {
        throw new IllegalStateException(
            "event loops bound different ports: " + port + " and " + v.actualPort());
      }
    }
    return new Gateway(
        vertx,
        config,
        registrar,
        spend,
        db,
        sync,
        governanceSync,
        Objects.requireNonNull(notifier.get()),
        models,
        peers,
        enforcer,
        services.routing(),
        services.connectionLimits(),
        port,
        key.value(),
        key.generated(),
        services.mountedRoutes(),
        services.tracing());
  }

  /**
   * The bundled catalog, with the cost map from {@code litellm_settings.model_cost_map_url} (or
   * {@code LITELLM_MODEL_COST_MAP_URL}) laid over it. A map that cannot be loaded is reported and
   * the bundled catalog is used: prices stay known, and the reload endpoint can try again.
   */
  static Catalog startupCatalog(
      GatewayConfig config,
      Environment env,
      java.util.concurrent.CompletableFuture<Catalog> pending) {
    Catalog bundled = pending.join();
    Optional<String> location = costMapLocation(config, env);
    if (location.isEmpty()) {
      return bundled;
    }
    try {
      Catalog loaded = CostMapSource.load(location.get());
      LOG.info(
          "cost map {} loaded: {} entries laid over the bundled catalog",
          location.get(),
          loaded.size());
      return bundled.mergedWith(loaded);
    } catch (PricingException e) {
      LOG.warn("cost map not loaded, using the bundled catalog: {}", e.getMessage());
      return bundled;
    }
  }

  /** The response cache of {@code litellm_settings.cache}, if it is on; logged at start. */
  private static Optional<ResponseCache> responseCache(
      GatewayConfig config, Optional<RedisSettings> redis, Vertx vertx, Clock clock) {
    Optional<CacheParams> params = config.litellm().cache();
    if (params.isEmpty()) {
      return Optional.empty();
    }
    CacheParams p = params.get();
    try {
      ResponseCache cache = ResponseCache.create(p, redis, vertx, clock);
      LOG.info(
          "response cache on: {}, ttl {} ms{}{}",
          p.type() == CacheParams.Type.LOCAL
              ? "local (at most " + p.maxEntries() + " answers, " + p.maxBytes() + " bytes)"
              : "redis at " + redis.map(RedisSettings::toString).orElse("?"),
          p.ttlMillis(),
          p.defaultOff() ? ", only for requests that ask (mode: default_off)" : "",
          p.perKey() ? ", per key" : "");
      return Optional.of(cache);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          config.source(), "litellm_settings.cache_params.type", String.valueOf(e.getMessage()));
    }
  }

  /**
   * Where budget and rate-limit counters live: shared through Redis when it is configured, else in
   * this process.
   */
  /**
   * The connection limits of {@code general_settings}, with the defaults that depend on the
   * process: {@code max_connections} three quarters of the file-descriptor limit (the rest is for
   * upstream connections, the store and the JVM), at most 10,000; {@code max_buffered_request_mb} a
   * quarter of the heap, and at least twice the largest request body.
   */
  static dev.tollgate.proxy.ConnectionGuard.Limits connectionLimits(GeneralSettings g) {
    GeneralSettings.Connections c = g.connections();
    int max = c.maxConnections();
    if (max == 0) {
      long fds = 4096;
      if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
        fds = unix.getMaxFileDescriptorCount();
      }
      max = (int) Math.max(64, Math.min(10_000, fds * 3 / 4));
    }
    long buffered = c.maxBufferedBytes();
    if (buffered == 0) {
      buffered = Math.max(2 * g.maxRequestBytes(), Runtime.getRuntime().maxMemory() / 4);
    }
    return new dev.tollgate.proxy.ConnectionGuard.Limits(
        max, c.headerTimeoutMillis(), c.bodyTimeoutMillis(), c.idleTimeoutMillis(), buffered);
  }

  /**
   * LiteLLM's cooldowns, unless {@code disable_cooldowns}; shared through Redis when there is one.
   * A group's size is read from the registry.
   */
  private static dev.tollgate.routing.Cooldowns cooldowns(
      GatewayConfig config,
      RegistryHolder registry,
      Optional<RedisSettings> redis,
      Vertx vertx,
      Clock clock) {
    if (config.router().disableCooldowns()) {
      return dev.tollgate.routing.Cooldowns.NONE;
    }
    java.util.function.ToIntFunction<String> groupSize =
        group -> registry.current().resolve(group).map(g -> g.deployments().size()).orElse(0);
    if (redis.isPresent()) {
      return new dev.tollgate.meter.RedisCooldowns(
          vertx, redis.get(), config.router(), groupSize, clock);
    }
    return new dev.tollgate.routing.LocalCooldowns(config.router(), groupSize);
  }

  private static Meter meter(GatewayConfig config, Optional<RedisSettings> redis, Vertx vertx) {
    if (redis.isEmpty()) {
      return new LocalMeter();
    }
    RedisSettings s = redis.get();
    if (config.general().redisFailureMode().isPresent()) {
      s = s.withFailureMode(RedisFailureMode.parse(config.general().redisFailureMode().get()));
    }
    LOG.info(
        "budget and rate-limit counters are shared through redis at {}; while it is unreachable"
            + " admission {}",
        s.redactedEndpoint(),
        s.failureMode() == RedisFailureMode.LOCAL
            ? "falls back to this instance's counters (redis_failure_mode: local)"
            : "refuses requests with 503 (redis_failure_mode: closed)");
    return new RedisMeter(vertx, s, new LocalMeter());
  }

  /**
   * LiteLLM's {@code generic_api} callback from its variables: {@code GENERIC_LOGGER_ENDPOINT}
   * (required), {@code GENERIC_LOGGER_HEADERS}, and Tollgate's {@code GENERIC_LOGGER_BATCH_SIZE}
   * (default 100) and {@code GENERIC_LOGGER_FLUSH_INTERVAL} (seconds, default 5).
   */
  static dev.tollgate.export.GenericApiExport genericApiExport(
      GatewayConfig config, Environment env, Governance governance) {
    String at = "litellm_settings.callbacks";
    String endpoint =
        env.get(dev.tollgate.export.GenericApiExport.ENDPOINT_ENV)
            .filter(v -> !v.isBlank())
            .orElseThrow(
                () ->
                    new ConfigException(
                        config.source(),
                        at,
                        "generic_api needs "
                            + dev.tollgate.export.GenericApiExport.ENDPOINT_ENV
                            + ", the URL to POST spend records to"));
    try {
      java.net.URI uri = java.net.URI.create(endpoint);
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
      int batch = Integer.parseInt(env.get("GENERIC_LOGGER_BATCH_SIZE").orElse("100").strip());
      double flush =
          Double.parseDouble(env.get("GENERIC_LOGGER_FLUSH_INTERVAL").orElse("5").strip());
      if (batch < 1 || batch > 10_000 || !(flush > 0 && flush <= 3600)) {
        throw new IllegalArgumentException(
            "GENERIC_LOGGER_BATCH_SIZE must be 1 to 10000 and GENERIC_LOGGER_FLUSH_INTERVAL 0 to"
                + " 3600 seconds");
      }
      return new dev.tollgate.export.GenericApiExport(
          uri,
          dev.tollgate.export.GenericApiExport.parseHeaders(
              env.get(dev.tollgate.export.GenericApiExport.HEADERS_ENV).orElse(null)),
          governance::snapshot,
          batch,
          (long) (flush * 1000),
          List.of(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 30_000L),
          100_000);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(config.source(), at, "generic_api: " + e.getMessage());
    }
  }

  static Optional<String> costMapLocation(GatewayConfig config, Environment env) {
    return config.litellm().modelCostMapUrl().or(() -> env.get(CostMapSource.ENV));
  }

  public int port() {
    return port;
  }

  public GatewayConfig config() {
    return config;
  }

  public RegistryHolder registry() {
    return registrar.holder();
  }

  public ModelRegistrar registrar() {
    return registrar;
  }

  /** Adds a listener that sees every request's spend record as the request ends. */
  public void onSpend(SpendSink listener) {
    spend.add(listener);
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
    // Stop serving first, then flush every spend record, then release the database.
    sync.stop();
    governanceSync.stop();
    peers.stop();
    try {
      await(vertx.close());
    } finally {
      enforcer.closeMeter();
      // Every request has ended: its spans are queued, and go out before the process does.
      tracing.close();
      try {
        notifier.close();
      } catch (Exception e) {
        LOG.warn("closing the change notifier: {}", e.toString());
      }
      db.close();
    }
  }

  /**
   * Every route the HTTP router mounted, as {@code "METHOD /path"} ({@code "ANY /path"} for every
   * method); the LLM routes that bypass the router are not among them. For tests and diagnostics.
   */
  public java.util.Set<String> mountedRoutes() {
    return new java.util.TreeSet<>(mountedRoutes);
  }

  /** The model admin; for tests and diagnostics. */
  public ModelAdmin modelAdmin() {
    return models;
  }

  /**
   * Records this instance among those using the store now, and learns of the others, as the
   * periodic check does every few seconds. Blocks; for tests and diagnostics.
   */
  public void checkPeers() {
    peers.runOnce();
  }

  /** The router's shared state (cooldowns, what the strategies learned); for diagnostics. */
  public dev.tollgate.routing.Routing routing() {
    return routing;
  }

  /** The connection limits and what is counted against them; for tests and diagnostics. */
  public dev.tollgate.proxy.ConnectionGuard.Limits connectionLimits() {
    return connectionLimits;
  }

  /** Budget and rate-limit enforcement; for tests and diagnostics. */
  public Enforcer enforcer() {
    return enforcer;
  }

  /** The store; for tests and diagnostics. */
  public Database database() {
    return db;
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
      PrivateFiles.directory(options.dataDir());
      if (Files.exists(file)) {
        String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!stored.isEmpty()) {
          return new MasterKey(stored, false);
        }
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String key = "sk-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      // Created owner-only before the key is written into it.
      PrivateFiles.file(file);
      Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
      return new MasterKey(key, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the master key in " + file, e);
    }
  }
}

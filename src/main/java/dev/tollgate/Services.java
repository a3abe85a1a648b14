package dev.tollgate;

import dev.tollgate.admin.AdminRoutes;
import dev.tollgate.admin.GovernanceRoutes;
import dev.tollgate.admin.SpendRoutes;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Governance;
import dev.tollgate.proxy.ProxyCounters;
import dev.tollgate.routing.RegistryHolder;
import dev.tollgate.store.Database;
import java.time.Clock;

/**
 * What every event loop shares: all of it immutable or thread-safe. Built once at start-up and
 * handed to each {@link GatewayVerticle}.
 */
record Services(
    GatewayConfig config,
    RegistryHolder registry,
    Authenticator auth,
    Governance governance,
    Enforcer enforcer,
    SpendSink spend,
    Database db,
    AdminRoutes admin,
    SpendRoutes spendRoutes,
    dev.tollgate.admin.AuditRoutes auditRoutes,
    GovernanceRoutes governanceRoutes,
    ProxyCounters proxyCounters,
    dev.tollgate.proxy.ConnectionGuard.Limits connectionLimits,
    dev.tollgate.routing.Routing routing,
    dev.tollgate.health.HealthChecks health,
    Clock clock,
    dev.tollgate.admin.ModelAdmin models,
    java.util.Set<String> mountedRoutes,
    java.util.Optional<dev.tollgate.metrics.PrometheusMetrics> metrics,
    dev.tollgate.ui.AdminUi ui,
    dev.tollgate.tracing.Tracing tracing,
    dev.tollgate.provider.UpstreamLimits upstreamLimits,
    java.util.Optional<dev.tollgate.cache.ResponseCache> cache) {}

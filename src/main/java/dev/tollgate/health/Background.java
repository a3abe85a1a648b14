package dev.tollgate.health;

import dev.tollgate.provider.Providers;
import dev.tollgate.routing.Routing;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background health checks: a round at start, then one an interval after each round ends, so
 * that rounds never overlap. A verticle of its own, with its own upstream client and providers;
 * undeploying it (closing Vert.x does) cancels the next round. Runs on its event loop.
 */
final class Background extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Background.class);

  private final HealthChecks owner;
  private final Routing routing;
  private final long intervalMillis;
  private boolean stopped;
  private long timer = -1;

  Background(HealthChecks owner, Routing routing, long intervalMillis) {
    this.owner = owner;
    this.routing = routing;
    this.intervalMillis = intervalMillis;
  }

  @Override
  public Future<?> start() {
    Checker checker =
        owner.checker(
            vertx,
            new Providers(
                vertx,
                vertx.createHttpClient(
                    new HttpClientOptions().setKeepAlive(true).setDecompressionSupported(false),
                    new PoolOptions().setHttp1MaxSize(16))));
    LOG.info("background health checks: every {} ms", intervalMillis);
    context.runOnContext(v -> round(checker));
    return Future.succeededFuture();
  }

  private void round(Checker checker) {
    if (stopped) {
      return;
    }
    owner
        .runBackground(checker, routing)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                LOG.debug(
                    "health checks: {} of {} deployments unhealthy",
                    ar.result().results().stream().filter(r -> !r.healthy()).count(),
                    ar.result().results().size());
              } else {
                LOG.error("a round of health checks failed", ar.cause());
              }
              if (!stopped) {
                timer = vertx.setTimer(intervalMillis, id -> round(checker));
              }
            });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }
}

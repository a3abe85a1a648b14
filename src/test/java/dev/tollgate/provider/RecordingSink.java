package dev.tollgate.provider;

import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.Usage;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Records what a provider writes; called on the event loop, read by the test thread. */
final class RecordingSink implements SseSink {
  final CompletableFuture<Optional<GatewayException>> done = new CompletableFuture<>();
  final AtomicInteger finishes = new AtomicInteger();
  final List<Usage> usages = new CopyOnWriteArrayList<>();
  private final List<String> written = new CopyOnWriteArrayList<>();
  volatile boolean begun;
  volatile boolean full;
  volatile @Nullable Handler<Void> drain;
  volatile Runnable onWrite = () -> {};

  @Override
  public void begin() {
    begun = true;
  }

  @Override
  public void write(Buffer events) {
    written.add(events.toString(StandardCharsets.UTF_8));
    onWrite.run();
  }

  @Override
  public boolean writeQueueFull() {
    return full;
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    drain = handler;
  }

  @Override
  public void usage(Usage usage) {
    usages.add(usage);
  }

  @Override
  public void end() {
    finishes.incrementAndGet();
    done.complete(Optional.empty());
  }

  @Override
  public void failRelayed(GatewayException error) {

    fail(error);
  }

  @Override
  public void fail(GatewayException error) {
    finishes.incrementAndGet();
    done.complete(Optional.of(error));
  }

  Optional<GatewayException> outcome() throws Exception {
    return done.get(10, TimeUnit.SECONDS);
  }

  String text() {
    return String.join("", written);
  }
}

package dev.tollgate.provider.gemini;

import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.SseSink;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Records what a relay writes: each write, the usage reported, and how the stream ended. Written on
 * an event loop, read by the test thread.
 */
final class RecordingSink implements SseSink {
  final List<String> writes = new CopyOnWriteArrayList<>();
  final List<Buffer> buffers = new CopyOnWriteArrayList<>();
  final List<Usage> usages = new CopyOnWriteArrayList<>();
  final CompletableFuture<Optional<GatewayException>> done = new CompletableFuture<>();
  volatile boolean begun;

  @Override
  public void begin() {
    begun = true;
  }

  @Override
  public void write(Buffer events) {
    buffers.add(events);
    writes.add(events.toString(StandardCharsets.UTF_8));
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public void drainHandler(Handler<Void> handler) {}

  @Override
  public void usage(Usage usage) {
    usages.add(usage);
  }

  @Override
  public void end() {
    done.complete(Optional.empty());
  }

  @Override
  public void failRelayed(GatewayException error) {

    fail(error);
  }

  @Override
  public void fail(GatewayException error) {
    done.complete(Optional.of(error));
  }

  String text() {
    return String.join("", writes);
  }

  Optional<Usage> lastUsage() {
    return usages.isEmpty() ? Optional.empty() : Optional.of(usages.get(usages.size() - 1));
  }

  Optional<GatewayException> outcome() throws Exception {
    return done.get(10, TimeUnit.SECONDS);
  }
}

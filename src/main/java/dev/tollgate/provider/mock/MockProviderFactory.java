package dev.tollgate.provider.mock;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.InvalidParam;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.ProviderFactory;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.Optional;
import java.util.Set;

/** Registers the in-process mock provider as {@code mock}. Stateless. */
public final class MockProviderFactory implements ProviderFactory {
  @Override
  public Set<String> names() {
    return Set.of("mock");
  }

  @Override
  public Optional<InvalidParam> validate(LitellmParams params) {
    return Optional.empty();
  }

  /** The mock never touches the network, so {@code client} goes unused. */
  @Override
  public Provider create(Vertx vertx, HttpClient client) {
    return new MockProvider(vertx);
  }
}

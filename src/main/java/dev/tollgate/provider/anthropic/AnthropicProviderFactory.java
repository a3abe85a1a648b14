package dev.tollgate.provider.anthropic;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.InvalidParam;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.ProviderFactory;
import dev.tollgate.provider.UpstreamCall;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;

/**
 * Registers Anthropic's Messages API as {@code anthropic}. Nothing is required of a deployment: the
 * base defaults to {@code https://api.anthropic.com}, and a missing key is Anthropic's 401 to give.
 * Stateless.
 */
public final class AnthropicProviderFactory implements ProviderFactory {
  @Override
  public Set<String> names() {
    return Set.of("anthropic");
  }

  @Override
  public Optional<InvalidParam> validate(LitellmParams params) {
    return Optional.empty();
  }

  @Override
  public Provider create(Vertx vertx, HttpClient client) {
    return new UpstreamCall(vertx, client, new AnthropicWire(Clock.systemUTC()));
  }
}

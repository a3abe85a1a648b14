package dev.tollgate.provider.openai;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.InvalidParam;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.ProviderFactory;
import dev.tollgate.provider.UpstreamCall;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Registers OpenAI's wire format for OpenAI and every OpenAI-compatible provider name. A provider
 * with no public default base ({@code hosted_vllm}, {@code openai_like}...) must name its {@code
 * api_base}. Stateless.
 */
public final class OpenAiProviderFactory implements ProviderFactory {
  private static final Set<String> NAMES = allNames();

  @Override
  public Set<String> names() {
    return NAMES;
  }

  @Override
  public Optional<InvalidParam> validate(LitellmParams params) {
    if (OpenAiWire.BASE_REQUIRED.contains(params.provider()) && params.apiBase().isEmpty()) {
      return Optional.of(
          new InvalidParam("api_base", "is required for provider " + params.provider()));
    }
    return Optional.empty();
  }

  @Override
  public Provider create(Vertx vertx, HttpClient client) {
    return new UpstreamCall(vertx, client, new OpenAiWire());
  }

  private static Set<String> allNames() {
    Set<String> all = new HashSet<>(OpenAiWire.DEFAULT_BASES.keySet());
    all.addAll(OpenAiWire.BASE_REQUIRED);
    return Set.copyOf(all);
  }
}

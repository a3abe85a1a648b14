package dev.tollgate.provider;

import dev.tollgate.provider.mock.MockProvider;
import dev.tollgate.provider.openai.OpenAiProvider;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.Optional;

/** The provider adapters of one event loop, by LiteLLM provider name. */
public final class Providers {
  private final MockProvider mock;
  private final OpenAiProvider openai;

  public Providers(Vertx vertx, HttpClient client) {
    this.mock = new MockProvider(vertx);
    this.openai = new OpenAiProvider(vertx, client);
  }

  /** The adapter for a provider name, if Tollgate speaks its wire format. */
  public Optional<Provider> forName(String provider) {
    if (provider.equals("mock")) {
      return Optional.of(mock);
    }
    if (OpenAiProvider.handles(provider)) {
      return Optional.of(openai);
    }
    return Optional.empty();
  }

  /** Whether {@link #forName} knows {@code provider}; usable before any event loop exists. */
  public static boolean supports(String provider) {
    return provider.equals("mock") || OpenAiProvider.handles(provider);
  }
}

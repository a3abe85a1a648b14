package dev.tollgate.provider;

import dev.tollgate.config.LitellmParams;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.Optional;
import java.util.Set;

/**
 * Registers one provider sub-package with {@link Providers}: the LiteLLM provider names it serves,
 * the checks its deployments must pass when the config is read, and how to make its {@link
 * Provider} for an event loop. Stateless; callable from any thread.
 */
public interface ProviderFactory {
  /** The LiteLLM provider names served, such as {@code openai} and {@code groq}. */
  Set<String> names();

  /**
   * Checks a deployment of one of {@link #names()} before it is used, such as an {@code api_base}
   * that has no default; empty when the deployment can be served.
   */
  Optional<InvalidParam> validate(LitellmParams params);

  /** The provider for one event loop, sending its calls through {@code client}. */
  Provider create(Vertx vertx, HttpClient client);
}

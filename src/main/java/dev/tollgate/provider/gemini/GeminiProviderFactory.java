package dev.tollgate.provider.gemini;

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
import java.util.regex.Pattern;

/**
 * Registers Google's Gemini API as {@code gemini}. The base defaults to {@code
 * https://generativelanguage.googleapis.com}; a missing key is Google's 401 to give. The model must
 * be a plain model id, as it becomes part of the URL path. Stateless.
 */
public final class GeminiProviderFactory implements ProviderFactory {
  /** Gemini's model ids (and tuned models' ids); anything else would need escaping in the path. */
  static final Pattern MODEL = Pattern.compile("[A-Za-z0-9._-]+");

  @Override
  public Set<String> names() {
    return Set.of("gemini");
  }

  @Override
  public Optional<InvalidParam> validate(LitellmParams params) {
    if (!MODEL.matcher(params.providerModel()).matches()) {
      return Optional.of(
          new InvalidParam(
              "model",
              "must be gemini/<model>, a model id of letters, digits, '.', '_' and '-'; got '"
                  + params.model()
                  + "'"));
    }
    return Optional.empty();
  }

  @Override
  public Provider create(Vertx vertx, HttpClient client) {
    return new UpstreamCall(vertx, client, new GeminiWire(Clock.systemUTC()));
  }
}

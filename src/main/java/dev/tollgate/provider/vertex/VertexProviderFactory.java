package dev.tollgate.provider.vertex;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.InvalidParam;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.ProviderFactory;
import dev.tollgate.provider.UpstreamCall;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Registers Vertex AI as {@code vertex_ai}. A deployment needs {@code vertex_credentials} (a Google
 * credential's JSON, or the path of its file); {@code vertex_project} and {@code vertex_location}
 * must be plain names, as they become part of the URL, as must the model (Claude's versions such as
 * {@code claude-sonnet-4@20250514} included). Stateless.
 */
public final class VertexProviderFactory implements ProviderFactory {
  private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9._@-]+");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]+");

  @Override
  public Set<String> names() {
    return Set.of("vertex_ai");
  }

  @Override
  public Optional<InvalidParam> validate(LitellmParams params) {
    if (!MODEL.matcher(params.providerModel()).matches()) {
      return Optional.of(
          new InvalidParam(
              "model",
              "must be vertex_ai/<model>, a model id of letters, digits, '.', '_', '@' and '-';"
                  + " got '"
                  + params.model()
                  + "'"));
    }
    for (String key : new String[] {VertexWire.PROJECT, VertexWire.LOCATION}) {
      Object v = params.extra().get(key);
      if (v != null && !(v instanceof String s && NAME.matcher(s).matches())) {
        return Optional.of(
            new InvalidParam(key, "must be a Google Cloud name, such as my-project or us-east5"));
      }
    }
    Object c = params.extra().get(VertexAuth.CREDENTIALS);
    if (c == null) {
      return Optional.of(
          new InvalidParam(
              VertexAuth.CREDENTIALS,
              "is required for provider vertex_ai: a service account key's JSON or the path of"
                  + " its file, such as vertex_credentials: os.environ/GOOGLE_APPLICATION_CREDENTIALS"));
    }
    if (!(c instanceof String s && !s.isBlank()) && !(c instanceof Map<?, ?>)) {
      return Optional.of(
          new InvalidParam(
              VertexAuth.CREDENTIALS,
              "must be a credential's JSON, as text or an object, or a path"));
    }
    return Optional.empty();
  }

  @Override
  public Provider create(Vertx vertx, HttpClient client) {
    return new UpstreamCall(
        vertx,
        client,
        new VertexWire(new VertexAuth(vertx, client, Clock.systemUTC()), Clock.systemUTC()));
  }
}

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

  /** Project ids, domain-scoped ones ({@code example.com:project}) included. */
  private static final Pattern PROJECT = Pattern.compile("[A-Za-z0-9._:-]+");

  /** Regions ({@code us-east5}) and {@code global}: they become part of the host name. */
  private static final Pattern LOCATION = Pattern.compile("[a-z0-9-]+");

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
    Object project = params.extra().get(VertexWire.PROJECT);
    if (project != null && !(project instanceof String s && PROJECT.matcher(s).matches())) {
      return Optional.of(
          new InvalidParam(
              VertexWire.PROJECT, "must be a Google Cloud project id, such as my-project"));
    }
    Object location = params.extra().get(VertexWire.LOCATION);
    if (location != null && !(location instanceof String s && LOCATION.matcher(s).matches())) {
      return Optional.of(
          new InvalidParam(
              VertexWire.LOCATION, "must be a Google Cloud region, such as us-east5, or global"));
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

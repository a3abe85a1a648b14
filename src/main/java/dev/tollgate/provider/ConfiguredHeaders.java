package dev.tollgate.provider;

import dev.tollgate.config.LitellmParams;
import io.vertx.core.http.RequestOptions;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The headers a deployment's {@code headers} and {@code extra_headers} maps configure, put on each
 * call to it, after the format's own: they win over those, as LiteLLM sends them (an {@code
 * anthropic-beta}, an {@code X-Team}). The config refuses values with line breaks ({@link
 * Providers#validate}). Stateless.
 */
public final class ConfiguredHeaders {
  private ConfiguredHeaders() {}

  /** Puts every configured header of {@code p} on {@code o}, each value as its text. */
  public static void put(LitellmParams p, RequestOptions o) {
    put(p.extra().get("headers"), o);
    put(p.extra().get("extra_headers"), o);
  }

  private static void put(@Nullable Object headers, RequestOptions o) {
    if (headers instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> {
            if (k != null && v != null) {
              o.putHeader(k.toString(), v.toString());
            }
          });
    }
  }
}

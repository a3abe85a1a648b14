package dev.tollgate.tracing;

import dev.tollgate.config.Environment;
import io.vertx.core.http.HttpServerRequest;
import org.jspecify.annotations.Nullable;

/**
 * Starts the trace of each LLM request, or, when tracing is off ({@link #OFF}), none: the request
 * path then holds a null {@link RequestTrace} and checks only that. Thread-safe.
 */
public interface Tracing extends AutoCloseable {

  /** Tracing off: traces nothing and sends no {@code traceparent}. */
  Tracing OFF =
      new Tracing() {
        @Override
        public @Nullable RequestTrace start(HttpServerRequest request) {
          return null;
        }

        @Override
        public void close() {}
      };

  /**
   * Starts the server span of one LLM request, as a child of the client's {@code traceparent} when
   * it sent one; null when tracing is off. The trace it returns is confined to the request's event
   * loop.
   */
  @Nullable RequestTrace start(HttpServerRequest request);

  /** Exports the spans still queued and stops. Blocks: never call it on an event loop. */
  @Override
  void close();

  /**
   * Tracing as configured: on when {@code otel} is among {@code litellm_settings.callbacks}, or
   * when {@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is set;
   * off when neither, or when {@code OTEL_SDK_DISABLED=true}.
   *
   * @param messages whether spans carry the prompt and the answer ({@code gen_ai.input.messages},
   *     {@code gen_ai.output.messages}): only when the operator set {@code
   *     litellm_settings.turn_off_message_logging: false} explicitly
   */
  static Tracing of(boolean otelCallback, boolean messages, Environment env) {
    return OtelTracing.configured(otelCallback, messages, env);
  }
}

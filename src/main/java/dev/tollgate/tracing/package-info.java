/**
 * OpenTelemetry traces of LLM requests: a server span per request, an internal span per admission
 * and a client span per upstream attempt, under the GenAI semantic conventions. Off unless {@code
 * litellm_settings.callbacks} names {@code otel} or {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set;
 * off, the request path holds a null and does nothing else. Prompt and completion text are never
 * recorded.
 */
@NullMarked
package dev.tollgate.tracing;

import org.jspecify.annotations.NullMarked;

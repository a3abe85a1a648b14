package dev.tollgate.tracing;

import dev.tollgate.config.Environment;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracing through the OpenTelemetry SDK: spans are queued by a batch processor and exported over
 * OTLP/HTTP (protobuf) on the SDK's own thread, never on an event loop. Configured from the
 * standard {@code OTEL_*} variables that apply to a trace exporter. Thread-safe.
 */
final class OtelTracing implements Tracing {
  private static final Logger LOG = LoggerFactory.getLogger(OtelTracing.class);

  /** The OTLP/HTTP default, as the SDK's autoconfiguration has it. */
  static final String DEFAULT_ENDPOINT = "http://localhost:4318";

  private static final TextMapGetter<HttpServerRequest> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServerRequest carrier) {
          return carrier.headers().names();
        }

        @Override
        public @Nullable String get(@Nullable HttpServerRequest carrier, String key) {
          return carrier == null ? null : carrier.getHeader(key);
        }
      };

  private final SdkTracerProvider provider;
  private final Tracer tracer;

  private final boolean messages;

  private OtelTracing(SdkTracerProvider provider, boolean messages) {
    this.provider = provider;
    this.tracer = provider.get("dev.tollgate");
    this.messages = messages;
  }

  static Tracing configured(boolean otelCallback, boolean messages, Environment env) {
    Optional<String> traces = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    Optional<String> base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (env.get("OTEL_SDK_DISABLED").map(Boolean::parseBoolean).orElse(false)
        || (!otelCallback && traces.isEmpty() && base.isEmpty())) {
      return OFF;
    }
    // As the OTLP exporter specification says: the per-signal variable is the full URL, the
    // general one the base that /v1/traces is appended to.
    String endpoint =
        traces.orElseGet(() -> withoutSlash(base.orElse(DEFAULT_ENDPOINT)) + "/v1/traces");
    String service = env.get("OTEL_SERVICE_NAME").orElse("tollgate");
    OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint);
    headers(env.get("OTEL_EXPORTER_OTLP_HEADERS").orElse(""), exporter);
    BatchSpanProcessor batch =
        BatchSpanProcessor.builder(exporter.build())
            .setScheduleDelay(millis(env, "OTEL_BSP_SCHEDULE_DELAY", 5_000), TimeUnit.MILLISECONDS)
            .build();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.of(AttributeKey.stringKey("service.name"), service))))
            .addSpanProcessor(batch)
            .build();
    LOG.info(
        "traces on: OTLP/HTTP to {} as service '{}'{}",
        endpoint,
        service,
        messages ? "; prompts and answers are recorded (turn_off_message_logging: false)" : "");
    return new OtelTracing(provider, messages);
  }

  private static String withoutSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** {@code OTEL_EXPORTER_OTLP_HEADERS}: {@code key=value} pairs, comma-separated. */
  private static void headers(String spec, OtlpHttpSpanExporterBuilder exporter) {
    for (String pair : spec.split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        exporter.addHeader(
            pair.substring(0, eq).trim(),
            java.net.URLDecoder.decode(
                pair.substring(eq + 1).trim(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }

  private static long millis(Environment env, String name, long fallback) {
    Optional<String> v = env.get(name);
    if (v.isEmpty()) {
      return fallback;
    }
    try {
      return Math.max(0, Long.parseLong(v.get().trim()));
    } catch (NumberFormatException e) {
      LOG.warn("{}='{}' is not a number of milliseconds; using {}", name, v.get(), fallback);
      return fallback;
    }
  }

  @Override
  public RequestTrace start(HttpServerRequest request) {
    Context parent =
        W3CTraceContextPropagator.getInstance().extract(Context.root(), request, HEADERS);
    String path = request.path();
    String method = request.method().name();
    Span server =
        tracer
            .spanBuilder(method + " " + path)
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(Keys.HTTP_METHOD, method)
            .setAttribute(Keys.URL_PATH, path)
            .startSpan();
    return new OtelRequestTrace(tracer, server, messages);
  }

  @Override
  public void close() {
    provider.shutdown().join(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
  }
}

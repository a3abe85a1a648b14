package dev.tollgate.tracing;

import dev.tollgate.budget.Level;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.provider.Endpoint;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** The spans of one request, under the SDK. Event-loop confined, as its request is. */
final class OtelRequestTrace implements RequestTrace {
  private final Tracer tracer;
  private final Span server;
  private final Context parent;

  /** When the admission in progress started (epoch nanos), or -1. */
  private long admittingAt = -1;

  private @Nullable Span client;

  /** Whether prompts and answers are recorded (the operator's explicit opt-in). */
  private final boolean messages;

  OtelRequestTrace(Tracer tracer, Span server, boolean messages) {
    this.tracer = tracer;
    this.server = server;
    this.messages = messages;
    this.parent = Context.root().with(server);
  }

  @Override
  public void admitting() {
    admittingAt = epochNanos();
  }

  @Override
  public void admitted(@Nullable GatewayException denial) {
    long start = admittingAt;
    if (start < 0) {
      return;
    }
    admittingAt = -1;
    Span span =
        tracer
            .spanBuilder("admission")
            .setParent(parent)
            .setSpanKind(SpanKind.INTERNAL)
            .setStartTimestamp(start, TimeUnit.NANOSECONDS)
            .setAttribute(Keys.DECISION, denial == null ? "admitted" : "denied")
            .startSpan();
    if (denial != null) {
      String code = denial.code();
      if (code != null) {
        span.setAttribute(Keys.CODE, code);
        String level = level(code);
        if (level != null) {
          span.setAttribute(Keys.LEVEL, level);
        }
      }
    }
    span.end();
  }

  /** The level whose limit refused, read from the error code ({@code team_rpm_limit_exceeded}). */
  static @Nullable String level(String code) {
    String found = null;
    for (Level l : Level.values()) {
      String w = l.wire();
      if (code.startsWith(w + "_") && (found == null || w.length() > found.length())) {
        found = w;
      }
    }
    return found;
  }

  @Override
  public String attempt(
      Endpoint endpoint,
      String provider,
      String model,
      String deploymentId,
      String modelGroup,
      OptionalLong maxTokens,
      String priceState) {
    String operation = operation(endpoint);
    Span previous = client;
    if (previous != null) {
      previous.end();
    }
    Span span =
        tracer
            .spanBuilder(operation + " " + model)
            .setParent(parent)
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute(Keys.OPERATION, operation)
            .setAttribute(Keys.PROVIDER, providerName(provider))
            .setAttribute(Keys.REQUEST_MODEL, model)
            .setAttribute(Keys.DEPLOYMENT, deploymentId)
            .setAttribute(Keys.MODEL_GROUP, modelGroup)
            .setAttribute(Keys.PRICE_STATE, priceState)
            .startSpan();
    if (maxTokens.isPresent()) {
      span.setAttribute(Keys.MAX_TOKENS, maxTokens.getAsLong());
    }
    client = span;
    SpanContext c = span.getSpanContext();
    return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex();
  }

  /** OpenTelemetry's {@code gen_ai.operation.name} for a request to {@code endpoint}. */
  static String operation(Endpoint endpoint) {
    return switch (endpoint) {
      case CHAT, MESSAGES, RESPONSES, CONVERSE -> "chat";
      case COMPLETIONS -> "text_completion";
      case EMBEDDINGS -> "embeddings";
      case GENERATE_CONTENT -> "generate_content";
    };
  }

  /** OpenTelemetry's {@code gen_ai.provider.name} for Tollgate's (LiteLLM's) provider names. */
  static String providerName(String provider) {
    return switch (provider) {
      case "azure" -> "azure.ai.openai";
      case "bedrock" -> "aws.bedrock";
      case "gemini" -> "gcp.gemini";
      case "vertex_ai" -> "gcp.vertex_ai";
      default -> provider;
    };
  }

  @Override
  public String traceId() {
    return server.getSpanContext().getTraceId();
  }

  @Override
  public @Nullable String tracestate() {
    TraceState state = server.getSpanContext().getTraceState();
    if (state.isEmpty()) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    state.forEach(
        (key, value) -> {
          if (!b.isEmpty()) {
            b.append(',');
          }
          b.append(key).append('=').append(value);
        });
    return b.toString();
  }

  @Override
  public void attemptFailed(GatewayException error) {
    Span span = client;
    if (span == null) {
      return;
    }
    client = null;
    failed(span, error.status(), error.type());
    span.end();
  }

  /**
   * Marks a failed attempt. {@code status} is the gateway's answer for it (502 for an upstream's
   * 500, say), not the upstream's: it goes under Tollgate's name, not {@code
   * http.response.status_code}.
   */
  private static void failed(Span span, int status, String type) {
    span.setAttribute(Keys.ERROR_TYPE, type);
    span.setAttribute(Keys.ERROR_STATUS, (long) status);
    span.setStatus(StatusCode.ERROR);
  }

  @Override
  public void end(
      SpendRecord r, byte @Nullable [] request, byte @Nullable [] answer, List<Buffer> streamed) {
    Span span = client;
    if (span != null) {
      client = null;
      if (r.status() >= 400) {
        failed(span, r.status(), r.errorType().orElse("error"));
      } else if (answer != null) {
        AnswerFields.read(answer, span, messages);
      } else if (!streamed.isEmpty()) {
        AnswerFields.readStream(streamed, span, messages);
      }
      if (messages && request != null) {
        AnswerFields.input(request, span);
      }
      // The conventions count cached input in the input tokens; the spend record keeps it apart.
      span.setAttribute(
          Keys.INPUT_TOKENS, r.inputTokens() + r.cacheReadTokens() + r.cacheCreationTokens());
      span.setAttribute(Keys.OUTPUT_TOKENS, r.outputTokens());
      span.setAttribute(Keys.CACHE_READ_TOKENS, r.cacheReadTokens());
      span.setAttribute(Keys.CACHE_CREATION_TOKENS, r.cacheCreationTokens());
      if (r.costNanos().isPresent()) {
        span.setAttribute(Keys.COST, CostCalculator.formatUsd(r.costNanos().getAsLong()));
      }
      span.end();
    }
    server.setAttribute(Keys.REQUEST_ID, r.requestId());
    server.setAttribute(Keys.MODEL_GROUP, r.modelGroup());
    server.setAttribute(Keys.HTTP_STATUS, (long) r.status());
    if (r.status() >= 500) {
      server.setAttribute(Keys.ERROR_TYPE, r.errorType().orElse(Integer.toString(r.status())));
      server.setStatus(StatusCode.ERROR);
    }
    server.end();
  }

  private static long epochNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}

package dev.tollgate.provider.mock;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The in-process mock provider ({@code mock/<name>}): deterministic answers with realistic OpenAI
 * usage, configurable latency and output length, streaming included. No network.
 *
 * <p>Params: {@code mock_response} (the text, default a greeting), {@code mock_output_tokens} (the
 * completion token count to report and, when larger than the text, to pad to), and {@code
 * mock_latency_ms} (delay before the first byte). Input tokens are the request body's length over
 * four, rounded up, so the same request always reports the same usage.
 */
final class MockProvider implements Provider {
  static final String DEFAULT_RESPONSE = "Hello from the Tollgate mock provider!";

  private final Vertx vertx;

  MockProvider(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Future<UpstreamResponse> call(UpstreamRequest up) {
    Promise<UpstreamResponse> promise = Promise.promise();
    Answer a = answer(up);
    up.cancellation().onCancel(() -> promise.tryFail(GatewayException.clientClosed()));
    after(
        latency(up.params()),
        up,
        () -> {
          byte[] body = a.complete(up.request());
          promise.tryComplete(
              new UpstreamResponse(200, "application/json", body, Optional.of(a.usage())));
        });
    return promise.future();
  }

  @Override
  public void stream(UpstreamRequest up, SseSink sink) {
    Answer a = answer(up);
    up.cancellation().onCancel(() -> sink.fail(GatewayException.clientClosed()));
    after(
        latency(up.params()),
        up,
        () -> {
          if (up.cancellation().isCancelled()) {
            return;
          }
          sink.begin();
          Buffer all = Buffer.buffer();
          for (Buffer event : a.chunks(up.request())) {
            all.appendBuffer(event);
          }
          sink.write(all);
          sink.usage(a.usage());
          sink.end();
        });
  }

  private void after(long millis, UpstreamRequest up, Runnable r) {
    if (millis <= 0) {
      vertx.runOnContext(v -> r.run());
      return;
    }
    long timer = vertx.setTimer(millis, id -> r.run());
    up.cancellation().onCancel(() -> vertx.cancelTimer(timer));
  }

  private static long latency(LitellmParams p) {
    return number(p, "mock_latency_ms", 0);
  }

  private static long number(LitellmParams p, String key, long fallback) {
    Object v = p.extra().get(key);
    if (v instanceof Number n) {
      return Math.max(0, n.longValue());
    }
    if (v instanceof String s) {
      try {
        return Math.max(0, Long.parseLong(s.trim()));
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    return fallback;
  }

  private static Answer answer(UpstreamRequest up) {
    Object text = up.params().extra().get("mock_response");
    List<String> words = new ArrayList<>();
    for (String w : (text instanceof String s ? s : DEFAULT_RESPONSE).split(" ")) {
      words.add(w);
    }
    long outputTokens = number(up.params(), "mock_output_tokens", words.size());
    while (words.size() < outputTokens) {
      words.add("lorem");
    }
    long inputTokens = Math.max(1, (up.request().body().length + 3) / 4);
    long created = 1_700_000_000L;
    String id = "mock-" + Integer.toHexString(java.util.Arrays.hashCode(up.request().body()));
    return new Answer(id, created, up.params().providerModel(), words, inputTokens, outputTokens);
  }

  /** One deterministic answer, renderable whole or as stream chunks. */
  private record Answer(
      String id,
      long created,
      String model,
      List<String> words,
      long inputTokens,
      long outputTokens) {

    Usage usage() {
      return Usage.tokens(inputTokens, outputTokens);
    }

    String text() {
      return String.join(" ", words);
    }

    byte[] complete(ParsedRequest req) {
      return switch (req.endpoint()) {
        case CHAT ->
            Json.write(
                g ->
                    io(
                        () -> {
                          g.writeStartObject();
                          head(g, "chat.completion");
                          g.writeArrayFieldStart("choices");
                          g.writeStartObject();
                          g.writeNumberField("index", 0);
                          g.writeObjectFieldStart("message");
                          g.writeStringField("role", "assistant");
                          g.writeStringField("content", text());
                          g.writeEndObject();
                          g.writeStringField("finish_reason", "stop");
                          g.writeEndObject();
                          g.writeEndArray();
                          usage(g, inputTokens + outputTokens);
                          g.writeEndObject();
                        }));
        case COMPLETIONS ->
            Json.write(
                g ->
                    io(
                        () -> {
                          g.writeStartObject();
                          head(g, "text_completion");
                          g.writeArrayFieldStart("choices");
                          g.writeStartObject();
                          g.writeStringField("text", text());
                          g.writeNumberField("index", 0);
                          g.writeNullField("logprobs");
                          g.writeStringField("finish_reason", "stop");
                          g.writeEndObject();
                          g.writeEndArray();
                          usage(g, inputTokens + outputTokens);
                          g.writeEndObject();
                        }));
        case EMBEDDINGS ->
            Json.write(
                g ->
                    io(
                        () -> {
                          g.writeStartObject();
                          g.writeStringField("object", "list");
                          g.writeArrayFieldStart("data");
                          g.writeStartObject();
                          g.writeStringField("object", "embedding");
                          g.writeNumberField("index", 0);
                          g.writeArrayFieldStart("embedding");
                          int seed = id.hashCode();
                          for (int i = 0; i < 8; i++) {
                            // Deterministic values in (-1, 1), written from their decimal text.
                            int v = Math.floorMod(seed * 31 + i * 7919, 2000) - 1000;
                            g.writeNumber(new java.math.BigDecimal(v).movePointLeft(3));
                          }
                          g.writeEndArray();
                          g.writeEndObject();
                          g.writeEndArray();
                          g.writeStringField("model", model);
                          g.writeObjectFieldStart("usage");
                          g.writeNumberField("prompt_tokens", inputTokens);
                          g.writeNumberField("total_tokens", inputTokens);
                          g.writeEndObject();
                          g.writeEndObject();
                        }));
        case MESSAGES, RESPONSES, GENERATE_CONTENT, CONVERSE ->
            // serves() is false for these: the request path bridges them through chat.
            throw new IllegalStateException(req.endpoint() + " is not served natively by mock");
      };
    }

    /** The stream: a role chunk, one chunk per word, a finish chunk, usage if asked, [DONE]. */
    List<Buffer> chunks(ParsedRequest req) {
      List<Buffer> out = new ArrayList<>();
      boolean chat = req.endpoint() == Endpoint.CHAT;
      String object = chat ? "chat.completion.chunk" : "text_completion";
      if (chat) {
        out.add(event(chunk(object, "role", "assistant", null)));
      }
      for (int i = 0; i < words.size(); i++) {
        String piece = i == 0 ? words.get(i) : " " + words.get(i);
        out.add(event(chunk(object, chat ? "content" : "text", piece, null)));
      }
      out.add(event(chunk(object, null, null, "stop")));
      if (req.includeUsage()) {
        out.add(
            event(
                Json.write(
                    g ->
                        io(
                            () -> {
                              g.writeStartObject();
                              head(g, object);
                              g.writeArrayFieldStart("choices");
                              g.writeEndArray();
                              usage(g, inputTokens + outputTokens);
                              g.writeEndObject();
                            }))));
      }
      out.add(Buffer.buffer("data: [DONE]\n\n"));
      return out;
    }

    private byte[] chunk(
        String object,
        @org.jspecify.annotations.Nullable String field,
        @org.jspecify.annotations.Nullable String value,
        @org.jspecify.annotations.Nullable String finish) {
      boolean chat = object.startsWith("chat");
      return Json.write(
          g ->
              io(
                  () -> {
                    g.writeStartObject();
                    head(g, object);
                    g.writeArrayFieldStart("choices");
                    g.writeStartObject();
                    g.writeNumberField("index", 0);
                    if (chat) {
                      g.writeObjectFieldStart("delta");
                      if (field != null && value != null) {
                        g.writeStringField(field, value);
                      }
                      g.writeEndObject();
                    } else {
                      g.writeStringField("text", value == null ? "" : value);
                    }
                    if (finish == null) {
                      g.writeNullField("finish_reason");
                    } else {
                      g.writeStringField("finish_reason", finish);
                    }
                    g.writeEndObject();
                    g.writeEndArray();
                    g.writeEndObject();
                  }));
    }

    private void head(JsonGenerator g, String object) throws IOException {
      g.writeStringField("id", id);
      g.writeStringField("object", object);
      g.writeNumberField("created", created);
      g.writeStringField("model", model);
    }

    private void usage(JsonGenerator g, long total) throws IOException {
      g.writeObjectFieldStart("usage");
      g.writeNumberField("prompt_tokens", inputTokens);
      g.writeNumberField("completion_tokens", outputTokens);
      g.writeNumberField("total_tokens", total);
      g.writeEndObject();
    }

    private static Buffer event(byte[] json) {
      return Buffer.buffer(json.length + 8)
          .appendString("data: ")
          .appendBytes(json)
          .appendString("\n\n", StandardCharsets.US_ASCII.name());
    }
  }

  /** Jackson's generator throws IOException only for I/O, which an in-memory stream never does. */
  private interface IoAction {
    void run() throws IOException;
  }

  private static void io(IoAction a) {
    try {
      a.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

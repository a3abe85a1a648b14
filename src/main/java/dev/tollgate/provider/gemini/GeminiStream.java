package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.SseFramer;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Relays a Gemini stream ({@code :streamGenerateContent?alt=sse}: each {@code data:} event a whole
 * {@code GenerateContentResponse} carrying the next parts) to an OpenAI chat client as {@code
 * chat.completion.chunk} events:
 *
 * <ol>
 *   <li>text parts as {@code content}, thought parts as {@code reasoning_content}, the first delta
 *       of a candidate with the assistant role; a {@code functionCall} part as one whole tool call
 *       (id, name and arguments in one delta, as Gemini sends it whole), indexed among the
 *       candidate's calls;
 *   <li>a candidate's {@code finishReason}: the chunk with {@code finish_reason};
 *   <li>the end of the upstream body: when the client asked with {@code
 *       stream_options.include_usage}, the usage-only chunk ({@code choices: []}), then {@code
 *       data: [DONE]}.
 * </ol>
 *
 * <p>Every event's {@code usageMetadata} is cumulative: it is reported to the sink as it comes,
 * whether or not the client asked to see it, so a stream cut short is billed for what was counted
 * so far, and a complete one for the last, complete count. An event carrying {@code error} (Google
 * ends a failing stream so) fails the stream with the mapped error ({@link GeminiErrors}); a stream
 * that ends before any {@code finishReason} fails with a 502.
 *
 * <p>One per stream; confined to its event loop. Everything one read completes goes out in one
 * write, into a new buffer each read since the sink may keep it.
 */
final class GeminiStream implements StreamRelay {
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final SseSink sink;
  private final boolean includeUsage;
  private final long created;
  private final SseFramer framer = new SseFramer();
  private final Consumer<Buffer> onEvent = this::event;

  private Buffer out = Buffer.buffer(0);
  private @Nullable String id;
  private String model;

  /** By candidate index: whether its role was sent, and how many tool calls it made. */
  private boolean[] roleSent = new boolean[1];

  private int[] calls = new int[1];
  private boolean finished;
  private @Nullable Usage usage;
  private @Nullable GatewayException error;

  GeminiStream(SseSink sink, boolean includeUsage, long created, String model) {
    this.sink = sink;
    this.includeUsage = includeUsage;
    this.created = created;
    this.model = model;
  }

  @Override
  public void relay(Buffer chunk) {
    Buffer o = Buffer.buffer(Math.max(64, chunk.length()));
    out = o;
    framer.feed(chunk, onEvent);
    if (o.length() > 0) {
      sink.write(o);
    }
  }

  @Override
  public Optional<GatewayException> end() {
    if (error != null) {
      return Optional.of(error);
    }
    // A last event without its blank line.
    Buffer rest = framer.remainder();
    if (rest.length() > 0) {
      Buffer o = Buffer.buffer();
      out = o;
      event(rest);
      if (error != null) {
        return Optional.of(error);
      }
      if (o.length() > 0) {
        sink.write(o);
      }
    }
    if (!finished) {
      return Optional.of(
          GatewayException.badGateway("upstream ended the stream without a finishReason", null));
    }
    Buffer o = Buffer.buffer(256);
    out = o;
    Usage u = usage;
    if (includeUsage && u != null) {
      o.appendBytes(DATA);
      o.appendBytes(
          Json.write(
              g -> {
                try {
                  header(g);
                  g.writeArrayFieldStart("choices");
                  g.writeEndArray();
                  GeminiUsage.writeOpenAi(g, u);
                  g.writeEndObject();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              }));
      o.appendBytes(END);
    }
    o.appendBytes(DONE);
    sink.write(o);
    return Optional.empty();
  }

  private void event(Buffer event) {
    if (error != null) {
      return;
    }
    String data = SseFramer.data(event);
    if (data.isEmpty()) {
      return;
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(data);
    } catch (IOException e) {
      return;
    }
    if (root == null) {
      return;
    }
    if (root.isArray()) {
      root = root.path(0);
    }
    if (root.path("error").isObject()) {
      error = GeminiErrors.fromEvent(root.path("error"));
      return;
    }
    if (id == null) {
      String responseId = root.path("responseId").asText("");
      id = responseId.isEmpty() ? GeminiAnswer.newId() : responseId;
    }
    if (root.path("modelVersion").isTextual()) {
      model = root.path("modelVersion").asText();
    }
    Optional<Usage> u = GeminiUsage.of(root.path("usageMetadata"));
    if (u.isPresent()) {
      usage = u.get();
      sink.usage(u.get());
    }
    JsonNode candidates = root.path("candidates");
    for (int i = 0; i < candidates.size(); i++) {
      candidate(candidates.get(i), i);
    }
    if (candidates.isEmpty() && root.path("promptFeedback").path("blockReason").isTextual()) {
      chunk(0, null, "content_filter");
      finished = true;
    }
  }

  private void candidate(JsonNode c, int position) {
    int index = c.path("index").canConvertToInt() ? c.path("index").asInt() : position;
    if (index < 0) {
      return;
    }
    grow(index);
    for (JsonNode part : c.path("content").path("parts")) {
      if (part.has("functionCall")) {
        GeminiAnswer.ToolCall call = GeminiAnswer.toolCall(part);
        int n = calls[index]++;
        chunk(
            index,
            g -> {
              g.writeArrayFieldStart("tool_calls");
              g.writeStartObject();
              g.writeNumberField("index", n);
              g.writeStringField("id", call.id());
              g.writeStringField("type", "function");
              g.writeObjectFieldStart("function");
              g.writeStringField("name", call.name());
              g.writeStringField("arguments", call.arguments());
              g.writeEndObject();
              g.writeEndObject();
              g.writeEndArray();
            },
            null);
      } else if (part.path("text").isTextual() && !part.path("text").asText().isEmpty()) {
        String field = part.path("thought").asBoolean(false) ? "reasoning_content" : "content";
        String text = part.path("text").asText();
        chunk(index, g -> g.writeStringField(field, text), null);
      }
    }
    if (c.path("finishReason").isTextual()) {
      String finish =
          GeminiFinishReason.finishReason(c.path("finishReason").asText(), calls[index] > 0);
      chunk(index, null, finish);
      finished = true;
    }
  }

  /** Writes one delta to the chunk being built. */
  private interface Delta {
    void write(JsonGenerator g) throws IOException;
  }

  private void chunk(int index, @Nullable Delta delta, @Nullable String finishReason) {
    boolean role = !roleSent[index];
    roleSent[index] = true;
    out.appendBytes(DATA);
    out.appendBytes(
        Json.write(
            g -> {
              try {
                header(g);
                g.writeArrayFieldStart("choices");
                g.writeStartObject();
                g.writeNumberField("index", index);
                g.writeObjectFieldStart("delta");
                if (role) {
                  g.writeStringField("role", "assistant");
                }
                if (delta != null) {
                  delta.write(g);
                }
                g.writeEndObject();
                Json.field(g, "finish_reason", finishReason);
                g.writeEndObject();
                g.writeEndArray();
                g.writeEndObject();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }));
    out.appendBytes(END);
  }

  private void header(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id == null ? "" : id);
    g.writeStringField("object", "chat.completion.chunk");
    g.writeNumberField("created", created);
    g.writeStringField("model", model);
  }

  private void grow(int index) {
    if (index >= roleSent.length) {
      int n = Math.max(index + 1, roleSent.length * 2);
      roleSent = Arrays.copyOf(roleSent, n);
      calls = Arrays.copyOf(calls, n);
    }
  }
}

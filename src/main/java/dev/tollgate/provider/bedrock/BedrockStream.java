package dev.tollgate.provider.bedrock;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Relays a {@code ConverseStream} event stream to an OpenAI chat client as {@code
 * chat.completion.chunk} events. The binary framing is {@link EventStreamDecoder}'s; each message's
 * {@code :event-type} decides:
 *
 * <ol>
 *   <li>{@code messageStart}: a chunk with the assistant role;
 *   <li>{@code contentBlockStart} of a {@code toolUse}: a tool call's id and name, under the call's
 *       own index (counted over tool calls, as OpenAI counts them, not over blocks);
 *   <li>{@code contentBlockDelta}: text as {@code content}, reasoning as {@code reasoning_content},
 *       a tool's input fragments as its {@code arguments};
 *   <li>{@code messageStop}: the chunk with {@code finish_reason};
 *   <li>{@code metadata}, which follows it with the usage: the usage-only chunk ({@code choices:
 *       []}) when the client asked with {@code stream_options.include_usage}, then {@code data:
 *       [DONE]}.
 * </ol>
 *
 * <p>Usage is reported to the sink at {@code metadata}, whether or not the client asked to see it;
 * a stream cut before it reports nothing and is estimated from what was relayed. A message of
 * {@code :message-type} {@code exception} or {@code error} fails the stream with the mapped error
 * ({@link BedrockErrors}), as does a corrupt frame (502); a stream that ends without {@code
 * messageStop} fails with a 502, and one that ends after it without {@code metadata} is finished
 * with {@code [DONE]}.
 *
 * <p>One per stream; confined to its event loop. Everything one read completes goes out in one
 * write, into a new buffer each read since the sink may keep it.
 */
final class BedrockStream implements StreamRelay {
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final SseSink sink;
  private final boolean includeUsage;
  private final @Nullable String jsonTool;
  private final String id;
  private final long created;
  private final String model;
  private final EventStreamDecoder decoder = new EventStreamDecoder();
  private final EventStreamDecoder.Handler onMessage = this::message;

  /** What the current read relays. */
  private Buffer out = Buffer.buffer(0);

  private final OutputStream toOut =
      new OutputStream() {
        @Override
        public void write(int b) {
          out.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          out.appendBytes(b, off, len);
        }
      };

  /** The index of JSON mode's tool call, kept apart from the others; never an array index. */
  private static final int JSON_CALL = Integer.MAX_VALUE;

  /**
   * A tool call's index among tool calls, by content block index; -1 for other blocks, {@link
   * #JSON_CALL} for JSON mode's.
   */
  private int[] toolIndex = new int[8];

  private int tools;
  private boolean jsonUsed;
  private boolean stopped;
  private boolean done;
  private @Nullable GatewayException error;

  BedrockStream(
      SseSink sink,
      boolean includeUsage,
      @Nullable String jsonTool,
      String id,
      long created,
      String model) {
    this.sink = sink;
    this.includeUsage = includeUsage;
    this.jsonTool = jsonTool;
    this.id = id;
    this.created = created;
    this.model = model;
    Arrays.fill(toolIndex, -1);
  }

  @Override
  public void relay(Buffer chunk) {
    if (done || error != null) {
      return;
    }
    Buffer o = Buffer.buffer(Math.max(64, chunk.length()));
    out = o;
    try {
      decoder.feed(chunk, onMessage);
    } catch (EventStreamDecoder.Corrupt e) {
      error =
          GatewayException.badGateway("upstream sent a corrupt event stream: " + e.getMessage(), e);
    }
    if (o.length() > 0) {
      sink.write(o);
    }
  }

  @Override
  public Optional<GatewayException> end() {
    if (error != null) {
      return Optional.of(error);
    }
    if (done) {
      return Optional.empty();
    }
    if (stopped) {
      // No metadata event: the answer is whole, its usage unknown (and estimated).
      sink.write(Buffer.buffer(DONE));
      return Optional.empty();
    }
    return Optional.of(
        GatewayException.badGateway("upstream ended the stream without messageStop", null));
  }

  private void message(EventStreamDecoder.Message m) {
    if (done || error != null) {
      return;
    }
    if (m.messageType.equals("exception")) {
      error = BedrockErrors.fromEvent(m.exceptionType, text(m.payload, "message"));
      return;
    }
    if (m.messageType.equals("error")) {
      error = BedrockErrors.fromEvent(m.errorCode, m.errorMessage);
      return;
    }
    JsonNode e;
    try (InputStream in = new BufferInput(m.payload)) {
      e = Json.MAPPER.readTree(in);
    } catch (IOException x) {
      error = GatewayException.badGateway("upstream sent an event that is not JSON", x);
      return;
    }
    if (e == null) {
      return;
    }
    try {
      switch (m.eventType) {
        case "messageStart" -> {
          JsonGenerator g = open();
          g.writeStringField("role", "assistant");
          g.writeStringField("content", "");
          close(g, null);
        }
        case "contentBlockStart" -> blockStart(e);
        case "contentBlockDelta" -> blockDelta(e);
        case "messageStop" -> {
          stopped = true;
          String stop = e.path("stopReason").isTextual() ? e.path("stopReason").asText() : null;
          String finish = BedrockUsage.finishReason(stop);
          if (jsonUsed && tools == 0 && finish.equals("tool_calls")) {
            finish = "stop";
          }
          close(open(), finish);
        }
        case "metadata" -> metadata(e);
        default -> {
          // contentBlockStop, and events added to the API later
        }
      }
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
  }

  private void blockStart(JsonNode e) throws IOException {
    JsonNode use = e.path("start").path("toolUse");
    int i = e.path("contentBlockIndex").asInt(-1);
    if (!use.isObject() || i < 0) {
      return;
    }
    if (i >= toolIndex.length) {
      int n = toolIndex.length;
      toolIndex = Arrays.copyOf(toolIndex, Math.max(i + 1, n * 2));
      Arrays.fill(toolIndex, n, toolIndex.length, -1);
    }
    if (!jsonUsed && use.path("name").asText("").equals(jsonTool)) {
      toolIndex[i] = JSON_CALL;
      jsonUsed = true;
      return;
    }
    toolIndex[i] = tools++;
    JsonGenerator g = open();
    g.writeArrayFieldStart("tool_calls");
    g.writeStartObject();
    g.writeNumberField("index", toolIndex[i]);
    g.writeStringField("id", use.path("toolUseId").asText(""));
    g.writeStringField("type", "function");
    g.writeObjectFieldStart("function");
    g.writeStringField("name", use.path("name").asText(""));
    g.writeStringField("arguments", "");
    g.writeEndObject();
    g.writeEndObject();
    g.writeEndArray();
    close(g, null);
  }

  private void blockDelta(JsonNode e) throws IOException {
    JsonNode delta = e.path("delta");
    if (delta.path("text").isTextual()) {
      delta("content", delta.path("text").asText());
    } else if (delta.path("toolUse").isObject()) {
      int i = e.path("contentBlockIndex").asInt(-1);
      String input = delta.path("toolUse").path("input").asText("");
      if (i < 0 || i >= toolIndex.length || toolIndex[i] < 0 || input.isEmpty()) {
        return;
      }
      if (toolIndex[i] == JSON_CALL) {
        delta("content", input);
        return;
      }
      JsonGenerator g = open();
      g.writeArrayFieldStart("tool_calls");
      g.writeStartObject();
      g.writeNumberField("index", toolIndex[i]);
      g.writeObjectFieldStart("function");
      g.writeStringField("arguments", input);
      g.writeEndObject();
      g.writeEndObject();
      g.writeEndArray();
      close(g, null);
    } else if (delta.path("reasoningContent").path("text").isTextual()) {
      delta("reasoning_content", delta.path("reasoningContent").path("text").asText());
    } else if (delta.path("reasoningContent").path("signature").isTextual()) {
      JsonGenerator g = open();
      g.writeArrayFieldStart("thinking_blocks");
      g.writeStartObject();
      g.writeStringField("type", "thinking");
      g.writeStringField("thinking", "");
      g.writeStringField("signature", delta.path("reasoningContent").path("signature").asText());
      g.writeEndObject();
      g.writeEndArray();
      close(g, null);
    }
  }

  private void metadata(JsonNode e) throws IOException {
    Optional<Usage> usage = BedrockUsage.read(e.get("usage"));
    usage.ifPresent(sink::usage);
    if (!stopped) {
      return; // not where Bedrock sends it; the stream goes on to messageStop
    }
    if (includeUsage && usage.isPresent()) {
      out.appendBytes(DATA);
      try (JsonGenerator g = Json.FACTORY.createGenerator(toOut)) {
        header(g);
        g.writeArrayFieldStart("choices");
        g.writeEndArray();
        BedrockUsage.writeOpenAi(g, usage.get());
        g.writeEndObject();
      }
      out.appendBytes(END);
    }
    out.appendBytes(DONE);
    done = true;
  }

  private void delta(String field, String text) throws IOException {
    JsonGenerator g = open();
    g.writeStringField(field, text);
    close(g, null);
  }

  /** Starts a chunk, leaving the generator inside its {@code delta} object. */
  private JsonGenerator open() throws IOException {
    out.appendBytes(DATA);
    JsonGenerator g = Json.FACTORY.createGenerator(toOut);
    header(g);
    g.writeArrayFieldStart("choices");
    g.writeStartObject();
    g.writeNumberField("index", 0);
    g.writeObjectFieldStart("delta");
    return g;
  }

  private void header(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    g.writeStringField("object", "chat.completion.chunk");
    g.writeNumberField("created", created);
    g.writeStringField("model", model);
  }

  /** Ends a chunk that {@link #open} started. */
  private void close(JsonGenerator g, @Nullable String finishReason) throws IOException {
    g.writeEndObject();
    Json.field(g, "finish_reason", finishReason);
    g.writeEndObject();
    g.writeEndArray();
    g.writeEndObject();
    g.close();
    out.appendBytes(END);
  }

  /** A payload's string field, for an exception's {@code message}; empty when it has none. */
  static String text(Buffer payload, String field) {
    try (InputStream in = new BufferInput(payload)) {
      JsonNode n = Json.MAPPER.readTree(in);
      if (n != null) {
        for (String f : new String[] {field, "Message"}) {
          if (n.path(f).isTextual()) {
            return n.path(f).asText();
          }
        }
      }
    } catch (IOException e) {
      // not JSON: the payload is the text
    }
    return payload.toString(StandardCharsets.UTF_8);
  }

  /** A buffer read as a stream, without copying it. */
  private static final class BufferInput extends InputStream {
    private final Buffer b;
    private int at;

    BufferInput(Buffer b) {
      this.b = b;
    }

    @Override
    public int read() {
      return at < b.length() ? b.getUnsignedByte(at++) : -1;
    }

    @Override
    public int read(byte[] dst, int off, int len) {
      if (at >= b.length()) {
        return -1;
      }
      int n = Math.min(len, b.length() - at);
      b.getBytes(at, at + n, dst, off);
      at += n;
      return n;
    }
  }
}

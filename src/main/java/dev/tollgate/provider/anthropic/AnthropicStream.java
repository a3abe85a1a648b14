package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.SseFramer;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Relays a Messages stream to an OpenAI chat client as {@code chat.completion.chunk} events:
 *
 * <ol>
 *   <li>{@code message_start}: a chunk with the assistant role;
 *   <li>{@code content_block_delta}: text as {@code content}, thinking as {@code reasoning_content}
 *       (a signature, and a redacted block, as {@code thinking_blocks}), and a {@code tool_use}
 *       block as a tool call: its id and name when the block starts, then its argument fragments,
 *       under the call's own index (counted over tool calls, as OpenAI counts them, not over
 *       blocks). In JSON mode the {@value AnthropicRequest#JSON_TOOL} call's arguments are content
 *       instead;
 *   <li>{@code message_stop}: the chunk with {@code finish_reason}, then, when the client asked
 *       with {@code stream_options.include_usage}, the usage-only chunk ({@code choices: []}), then
 *       {@code data: [DONE]}.
 * </ol>
 *
 * {@code ping} and {@code content_block_stop} produce nothing.
 *
 * <p>Usage is reported to the sink at each {@code message_delta}, whose counts are cumulative and
 * complete the {@code message_start} ones, whether or not the client asked to see it. It is not
 * reported at {@code message_start}, whose output count is a placeholder: a stream cut before its
 * {@code message_delta} reports nothing and is estimated from what was relayed, rather than billed
 * for one output token. An {@code error} event fails the stream with the mapped error ({@link
 * AnthropicErrors}); a stream that ends without {@code message_stop} fails with a 502.
 *
 * <p>One per stream; confined to its event loop. Everything one read completes goes out in one
 * write, into a new buffer each read since the sink may keep it.
 */
final class AnthropicStream implements StreamRelay {
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  /** What a content block is, by its index. */
  private static final byte UNKNOWN = 0;

  private static final byte TEXT = 1;
  private static final byte TOOL = 2;
  private static final byte JSON = 3;
  private static final byte THINKING = 4;
  private static final byte OTHER = 5;

  private final SseSink sink;
  private final boolean includeUsage;
  private final boolean jsonMode;
  private final long created;
  private final SseFramer framer = new SseFramer();
  private final AnthropicEvent ev = new AnthropicEvent();
  private final AnthropicUsage usage = new AnthropicUsage();

  /** Made once per stream, so that a read does not allocate a callback. */
  private final Consumer<Buffer> onEvent = this::event;

  /** What the current read relays. */
  private Buffer out = Buffer.buffer(0);

  /** Writes the JSON generator's bytes into {@link #out}. */
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

  private String id = "";
  private String model;

  /** Each content block's kind, and a tool call's index among tool calls, by block index. */
  private byte[] kinds = new byte[8];

  private int[] toolIndex = new int[8];
  private int tools;
  private boolean jsonUsed;
  private @Nullable String stopReason;
  private boolean usageReported;
  private boolean done;
  private @Nullable GatewayException error;

  AnthropicStream(
      SseSink sink, boolean includeUsage, boolean jsonMode, long created, String model) {
    this.sink = sink;
    this.includeUsage = includeUsage;
    this.jsonMode = jsonMode;
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
    return done
        ? Optional.empty()
        : Optional.of(
            GatewayException.badGateway("upstream ended the stream without message_stop", null));
  }

  private void event(Buffer event) {
    if (done || error != null) {
      return;
    }
    String data = SseFramer.data(event);
    if (data.isEmpty() || !ev.read(data, usage) || ev.type == null) {
      return;
    }
    try {
      switch (ev.type) {
        case "message_start" -> start();
        case "content_block_start" -> blockStart();
        case "content_block_delta" -> blockDelta();
        case "message_delta" -> {
          if (ev.stopReason != null) {
            stopReason = ev.stopReason;
          }
          sink.usage(usage.usage());
          usageReported = true;
        }
        case "message_stop" -> finish();
        case "error" -> error = AnthropicErrors.fromEvent(ev.errorType, ev.errorMessage);
        default -> {
          // ping, content_block_stop, and events added to the API later
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void start() throws IOException {
    if (ev.messageId != null) {
      id = ev.messageId;
    }
    if (ev.model != null) {
      model = ev.model;
    }
    JsonGenerator g = open();
    g.writeStringField("role", "assistant");
    g.writeStringField("content", "");
    close(g, null);
  }

  private void blockStart() throws IOException {
    int i = ev.index;
    if (i < 0) {
      return;
    }
    grow(i);
    String text = ev.blockText;
    switch (ev.blockType == null ? "" : ev.blockType) {
      case "text" -> {
        kinds[i] = TEXT;
        if (text != null && !text.isEmpty()) {
          delta("content", text);
        }
      }
      case "tool_use" -> {
        if (jsonMode && AnthropicRequest.JSON_TOOL.equals(ev.blockName)) {
          kinds[i] = JSON;
          jsonUsed = true;
          return;
        }
        kinds[i] = TOOL;
        toolIndex[i] = tools++;
        JsonGenerator g = open();
        g.writeArrayFieldStart("tool_calls");
        g.writeStartObject();
        g.writeNumberField("index", toolIndex[i]);
        Json.field(g, "id", ev.blockId);
        g.writeStringField("type", "function");
        g.writeObjectFieldStart("function");
        Json.field(g, "name", ev.blockName);
        g.writeStringField("arguments", "");
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndArray();
        close(g, null);
      }
      case "thinking" -> {
        kinds[i] = THINKING;
        if (text != null && !text.isEmpty()) {
          delta("reasoning_content", text);
        }
      }
      case "redacted_thinking" -> {
        kinds[i] = OTHER;
        thinkingBlock("redacted_thinking", "data", text);
      }
      default -> kinds[i] = OTHER;
    }
  }

  private void blockDelta() throws IOException {
    int i = ev.index;
    byte kind = i >= 0 && i < kinds.length ? kinds[i] : UNKNOWN;
    String text = ev.deltaText;
    if (text == null || ev.deltaType == null) {
      return;
    }
    switch (ev.deltaType) {
      case "text_delta" -> delta("content", text);
      case "thinking_delta" -> delta("reasoning_content", text);
      case "signature_delta" -> thinkingBlock("thinking", "signature", text);
      case "input_json_delta" -> {
        if (text.isEmpty()) {
          return;
        }
        if (kind == JSON) {
          delta("content", text);
        } else if (kind == TOOL) {
          JsonGenerator g = open();
          g.writeArrayFieldStart("tool_calls");
          g.writeStartObject();
          g.writeNumberField("index", toolIndex[i]);
          g.writeObjectFieldStart("function");
          g.writeStringField("arguments", text);
          g.writeEndObject();
          g.writeEndObject();
          g.writeEndArray();
          close(g, null);
        }
      }
      default -> {
        // citations_delta and later additions: not part of an OpenAI stream
      }
    }
  }

  private void finish() throws IOException {
    if (!usageReported) {
      sink.usage(usage.usage());
    }
    String finish = AnthropicStopReason.finishReason(stopReason);
    if (jsonUsed && tools == 0 && finish.equals("tool_calls")) {
      finish = "stop";
    }
    close(open(), finish);
    if (includeUsage) {
      out.appendBytes(DATA);
      try (JsonGenerator g = Json.FACTORY.createGenerator(toOut)) {
        header(g);
        g.writeArrayFieldStart("choices");
        g.writeEndArray();
        AnthropicUsage.writeOpenAi(g, usage.usage());
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

  /** A delta of one thinking block with one field: a signature, or a redacted block's data. */
  private void thinkingBlock(String type, String field, @Nullable String value) throws IOException {
    JsonGenerator g = open();
    g.writeArrayFieldStart("thinking_blocks");
    g.writeStartObject();
    g.writeStringField("type", type);
    if (type.equals("thinking")) {
      g.writeStringField("thinking", "");
    }
    Json.field(g, field, value);
    g.writeEndObject();
    g.writeEndArray();
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

  private void grow(int index) {
    if (index >= kinds.length) {
      int n = Math.max(index + 1, kinds.length * 2);
      kinds = Arrays.copyOf(kinds, n);
      toolIndex = Arrays.copyOf(toolIndex, n);
    }
  }
}

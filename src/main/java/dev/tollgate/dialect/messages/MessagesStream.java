package dev.tollgate.dialect.messages;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.ChatChunks;
import dev.tollgate.dialect.StreamEncoder;
import dev.tollgate.provider.SseFramer;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * OpenAI chat chunks as Anthropic's stream: {@code message_start}; per block {@code
 * content_block_start}, its deltas and {@code content_block_stop}, one block at a time (thinking
 * from {@code reasoning_content}, text from {@code content}, one tool_use per tool call index);
 * then {@code message_delta} with the stop reason and the usage, and {@code message_stop}.
 *
 * <p>The finish reason arrives before the usage chunk, so the open block is closed on the finish
 * reason and {@code message_delta} waits for the usage chunk, or for {@code [DONE]} or {@link
 * #end()} if no usage comes. The message id is made from the first chunk's id. Chunks that are not
 * JSON are skipped. Tool call fragments are expected in order, as OpenAI sends them; a fragment for
 * a tool call whose block was closed still goes out as a delta of that block's index.
 *
 * <p>One per stream; confined to its event loop.
 */
final class MessagesStream implements StreamEncoder {
  private enum Block {
    NONE,
    TEXT,
    THINKING,
    TOOL
  }

  private final String model;
  private final SseFramer framer = new SseFramer();
  private final Consumer<Buffer> onEvent = this::event;

  /** Where the current call's events go. */
  private Buffer out = Buffer.buffer(0);

  private boolean started;
  private boolean finished;
  private Block open = Block.NONE;
  private int openIndex = -1;
  private boolean openToolHasInput;
  private int nextIndex;

  /** The Anthropic block index of each chat tool call index seen. */
  private final Map<Integer, Integer> toolBlocks = new HashMap<>();

  private @Nullable String finishReason;
  private boolean finishSeen;
  private boolean refused;
  private @Nullable ChatUsage usage;

  MessagesStream(String model) {
    this.model = model;
  }

  @Override
  public Buffer encode(Buffer events) {
    out = Buffer.buffer(events.length() + 64);
    framer.feed(events, onEvent);
    return out;
  }

  @Override
  public Buffer end() {
    out = Buffer.buffer();
    close();
    return out;
  }

  @Override
  public Buffer error(GatewayException error) {
    if (finished) {
      return Buffer.buffer();
    }
    finished = true;
    return AnthropicErrors.event(error);
  }

  private void event(Buffer event) {
    if (finished) {
      return;
    }
    if (SseFramer.isDone(event)) {
      close();
      return;
    }
    JsonNode chunk = ChatChunks.read(event);
    if (chunk == null) {
      return;
    }
    GatewayException failed = ChatChunks.upstreamError(chunk);
    if (failed != null) {
      out.appendBuffer(error(failed));
      return;
    }
    if (!started) {
      start(chunk.path("id").asText(""));
    }
    JsonNode choice = chunk.path("choices").path(0);
    if (choice.isObject()) {
      choice(choice);
    }
    JsonNode u = chunk.get("usage");
    if (u != null && u.isObject()) {
      usage = ChatUsage.of(u);
    }
    if (finishSeen && usage != null) {
      finish();
    }
  }

  private void choice(JsonNode choice) {
    JsonNode delta = choice.path("delta");
    String reasoning = MessagesAnswer.reasoningText(delta);
    if (!reasoning.isEmpty()) {
      open(Block.THINKING);
      delta("thinking_delta", "thinking", reasoning);
    }
    JsonNode content = delta.get("content");
    if (content != null && content.isTextual() && !content.textValue().isEmpty()) {
      open(Block.TEXT);
      delta("text_delta", "text", content.textValue());
    }
    JsonNode refusal = delta.get("refusal");
    if (refusal != null && refusal.isTextual() && !refusal.textValue().isEmpty()) {
      refused = true;
      open(Block.TEXT);
      delta("text_delta", "text", refusal.textValue());
    }
    JsonNode calls = delta.get("tool_calls");
    if (calls != null && calls.isArray()) {
      for (int i = 0; i < calls.size(); i++) {
        toolCall(calls.get(i), i);
      }
    }
    JsonNode finish = choice.get("finish_reason");
    if (finish != null && finish.isTextual()) {
      finishReason = finish.textValue();
      finishSeen = true;
      closeBlock();
    }
  }

  private void toolCall(JsonNode call, int position) {
    JsonNode i = call.get("index");
    int index = i != null && i.canConvertToInt() ? i.asInt() : position;
    JsonNode function = call.path("function");
    Integer block = toolBlocks.get(index);
    if (block == null) {
      closeBlock();
      block = nextIndex++;
      toolBlocks.put(index, block);
      open = Block.TOOL;
      openIndex = block;
      openToolHasInput = false;
      ObjectNode start = Json.MAPPER.createObjectNode().put("type", "tool_use");
      start.put("id", call.path("id").asText(MessagesAnswer.id("toolu_", "")));
      start.put("name", function.path("name").asText(""));
      start.putObject("input");
      blockStart(block, start);
    }
    JsonNode args = function.get("arguments");
    if (args != null && args.isTextual() && !args.textValue().isEmpty()) {
      ObjectNode d = Json.MAPPER.createObjectNode().put("type", "input_json_delta");
      d.put("partial_json", args.textValue());
      blockDelta(block, d);
      if (block == openIndex) {
        openToolHasInput = true;
      }
    }
  }

  private void start(String chatId) {
    started = true;
    ObjectNode e = Json.MAPPER.createObjectNode().put("type", "message_start");
    ObjectNode m = e.putObject("message");
    m.put("id", MessagesAnswer.id("msg_", chatId)).put("type", "message").put("role", "assistant");
    m.putArray("content");
    m.put("model", model).putNull("stop_reason").putNull("stop_sequence");
    new ChatUsage(0, 0, 0, 0).write(m.putObject("usage"));
    emit("message_start", e);
  }

  /** Opens a text or thinking block unless one of that kind is open. */
  private void open(Block kind) {
    if (open == kind) {
      return;
    }
    closeBlock();
    open = kind;
    openIndex = nextIndex++;
    ObjectNode block = Json.MAPPER.createObjectNode();
    if (kind == Block.THINKING) {
      block.put("type", "thinking").put("thinking", "").put("signature", "");
    } else {
      block.put("type", "text").put("text", "");
    }
    blockStart(openIndex, block);
  }

  private void delta(String type, String field, String value) {
    blockDelta(openIndex, Json.MAPPER.createObjectNode().put("type", type).put(field, value));
  }

  /**
   * Closes the open block. A tool_use block gets an empty input_json_delta first if its call had no
   * arguments, because Anthropic's SDKs read a tool's input only from its deltas.
   */
  private void closeBlock() {
    if (open == Block.NONE) {
      return;
    }
    if (open == Block.TOOL && !openToolHasInput) {
      blockDelta(
          openIndex,
          Json.MAPPER.createObjectNode().put("type", "input_json_delta").put("partial_json", ""));
    }
    ObjectNode e = Json.MAPPER.createObjectNode().put("type", "content_block_stop");
    emit("content_block_stop", e.put("index", openIndex));
    open = Block.NONE;
  }

  /** Emits what a stream still owes at its end: everything up to message_stop, once. */
  private void close() {
    if (finished) {
      return;
    }
    if (!started) {
      start("");
    }
    finish();
  }

  private void finish() {
    closeBlock();
    ObjectNode e = Json.MAPPER.createObjectNode().put("type", "message_delta");
    String stop =
        refused ? "refusal" : MessagesAnswer.stopReason(finishReason, !toolBlocks.isEmpty());
    e.putObject("delta").put("stop_reason", stop).putNull("stop_sequence");
    ChatUsage u = usage;
    if (u != null) {
      u.write(e.putObject("usage"));
    } else {
      e.putObject("usage").put("output_tokens", 0);
    }
    emit("message_delta", e);
    emit("message_stop", Json.MAPPER.createObjectNode().put("type", "message_stop"));
    finished = true;
  }

  private void blockStart(int index, ObjectNode block) {
    ObjectNode e = Json.MAPPER.createObjectNode().put("type", "content_block_start");
    e.put("index", index).set("content_block", block);
    emit("content_block_start", e);
  }

  private void blockDelta(int index, ObjectNode delta) {
    ObjectNode e = Json.MAPPER.createObjectNode().put("type", "content_block_delta");
    e.put("index", index).set("delta", delta);
    emit("content_block_delta", e);
  }

  private void emit(String type, ObjectNode data) {
    try {
      out.appendString("event: ")
          .appendString(type)
          .appendString("\ndata: ")
          .appendBytes(Json.MAPPER.writeValueAsBytes(data))
          .appendString("\n\n");
    } catch (JsonProcessingException e) {
      throw GatewayException.internal("could not write a stream event", e);
    }
  }
}

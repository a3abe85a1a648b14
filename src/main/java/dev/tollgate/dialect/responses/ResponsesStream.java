package dev.tollgate.dialect.responses;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.ChatChunks;
import dev.tollgate.dialect.StreamEncoder;
import dev.tollgate.provider.SseFramer;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * OpenAI chat chunks as the Responses API's stream: {@code response.created} and {@code
 * response.in_progress} on the first chunk; one output item at a time (a reasoning item from {@code
 * reasoning_content} with its summary events, a message item with its output_text or refusal parts,
 * a function_call item per tool call index with its argument deltas), each added, streamed and
 * done; and at the end {@code response.completed}, or {@code response.incomplete} when the chat
 * stopped for length or the content filter, carrying the whole response and its usage. Every event
 * has its {@code sequence_number}.
 *
 * <p>The finish reason arrives before the usage chunk, so the open item is closed on the finish
 * reason and the final event waits for the usage chunk, or for {@code [DONE]} or {@link #end()}.
 * Ids are made from the first chunk's id; {@code created_at} is its {@code created}. Chunks that
 * are not JSON are skipped. Tool call fragments are expected in order, as OpenAI sends them; a
 * fragment for a call whose item is done still goes out as a delta of that item, and the final
 * response has the whole arguments.
 *
 * <p>One per stream; confined to its event loop.
 */
final class ResponsesStream implements StreamEncoder {
  private enum Item {
    NONE,
    REASONING,
    MESSAGE,
    CALL
  }

  private enum Part {
    NONE,
    TEXT,
    REFUSAL
  }

  /** A function call item: where it is, and its arguments so far. */
  private static final class Call {
    final int outputIndex;
    final String itemId;
    final String callId;
    final String name;
    final StringBuilder arguments = new StringBuilder();
    @Nullable ObjectNode done;

    Call(int outputIndex, String callId, String name) {
      this.outputIndex = outputIndex;
      this.itemId = ResponseJson.id("fc_", callId);
      this.callId = callId;
      this.name = name;
    }
  }

  private final String model;
  private final Clock clock;
  private final SseFramer framer = new SseFramer();
  private final Consumer<Buffer> onEvent = this::event;

  /** Where the current call's events go. */
  private Buffer out = Buffer.buffer(0);

  private int sequence;
  private boolean started;
  private boolean finished;
  private String chatId = "";
  private String responseId = "";
  private long createdAt;

  /** The items done so far, in output_index order. */
  private final ArrayNode output = Json.MAPPER.createArrayNode();

  private int nextOutput;
  private int messages;
  private int reasonings;
  private Item open = Item.NONE;
  private int openOutput;
  private String openId = "";

  /** The open reasoning item's text, or the open content part's. */
  private final StringBuilder text = new StringBuilder();

  private Part part = Part.NONE;
  private int contentIndex;
  private ArrayNode parts = Json.MAPPER.createArrayNode();
  private final Map<Integer, Call> calls = new HashMap<>();
  private @Nullable Call openCall;

  private @Nullable String finishReason;
  private boolean finishSeen;
  private @Nullable ObjectNode usage;

  ResponsesStream(String model, Clock clock) {
    this.model = model;
    this.clock = clock;
  }

  @Override
  public Buffer encode(Buffer events) {
    out = Buffer.buffer(events.length() * 2);
    framer.feed(events, onEvent);
    return out;
  }

  @Override
  public Buffer end() {
    out = Buffer.buffer();
    close();
    return out;
  }

  /**
   * A {@code response.failed} carrying the error (after {@code response.created} if that was not
   * sent yet): the event OpenAI sends when a created response fails, and that clients such as Codex
   * read the error from.
   */
  @Override
  public Buffer error(GatewayException error) {
    out = Buffer.buffer();
    fail(error);
    return out;
  }

  private void fail(GatewayException error) {
    if (finished) {
      return;
    }
    if (!started) {
      start(Json.MAPPER.createObjectNode());
    }
    ObjectNode e = Json.MAPPER.createObjectNode();
    e.put("code", error.status() == 429 ? "rate_limit_exceeded" : "server_error");
    e.put("message", ResponsesErrors.message(error));
    emitResponse(
        "response.failed",
        ResponseJson.response(responseId, createdAt, model, "failed", null, output, usage, e));
    finished = true;
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
      fail(failed);
      return;
    }
    if (!started) {
      start(chunk);
    }
    JsonNode choice = chunk.path("choices").path(0);
    if (choice.isObject()) {
      choice(choice);
    }
    JsonNode u = chunk.get("usage");
    if (u != null && u.isObject()) {
      usage = ResponseJson.usage(u);
    }
    if (finishSeen && usage != null) {
      finish();
    }
  }

  private void start(JsonNode chunk) {
    started = true;
    chatId = chunk.path("id").asText("");
    responseId = ResponseJson.id("resp_", chatId);
    JsonNode created = chunk.get("created");
    createdAt =
        created != null && created.isIntegralNumber()
            ? created.asLong()
            : clock.instant().getEpochSecond();
    for (String type : new String[] {"response.created", "response.in_progress"}) {
      emitResponse(
          type,
          ResponseJson.response(
              responseId,
              createdAt,
              model,
              "in_progress",
              null,
              Json.MAPPER.createArrayNode(),
              null,
              null));
    }
  }

  private void choice(JsonNode choice) {
    JsonNode delta = choice.path("delta");
    String reasoning = ResponseJson.reasoningText(delta);
    if (!reasoning.isEmpty()) {
      openReasoning();
      text.append(reasoning);
      ObjectNode e = itemEvent("response.reasoning_summary_text.delta");
      emit(e.put("summary_index", 0).put("delta", reasoning));
    }
    JsonNode content = delta.get("content");
    if (content != null && content.isTextual() && !content.textValue().isEmpty()) {
      openPart(Part.TEXT);
      text.append(content.textValue());
      ObjectNode e = partEvent("response.output_text.delta").put("delta", content.textValue());
      e.putArray("logprobs");
      emit(e);
    }
    JsonNode refusal = delta.get("refusal");
    if (refusal != null && refusal.isTextual() && !refusal.textValue().isEmpty()) {
      openPart(Part.REFUSAL);
      text.append(refusal.textValue());
      emit(partEvent("response.refusal.delta").put("delta", refusal.textValue()));
    }
    JsonNode toolCalls = delta.get("tool_calls");
    if (toolCalls != null && toolCalls.isArray()) {
      for (int i = 0; i < toolCalls.size(); i++) {
        toolCall(toolCalls.get(i), i);
      }
    }
    JsonNode finish = choice.get("finish_reason");
    if (finish != null && finish.isTextual()) {
      finishReason = finish.textValue();
      finishSeen = true;
      closeItem();
    }
  }

  private void toolCall(JsonNode tc, int position) {
    JsonNode i = tc.get("index");
    int index = i != null && i.canConvertToInt() ? i.asInt() : position;
    JsonNode function = tc.path("function");
    Call call = calls.get(index);
    if (call == null) {
      closeItem();
      String callId = tc.path("id").asText("");
      if (callId.isEmpty()) {
        callId = ResponseJson.id("call_", "");
      }
      call = new Call(nextOutput++, callId, function.path("name").asText(""));
      calls.put(index, call);
      open = Item.CALL;
      openCall = call;
      openOutput = call.outputIndex;
      openId = call.itemId;
      ObjectNode e = event("response.output_item.added").put("output_index", call.outputIndex);
      e.set(
          "item",
          ResponseJson.functionCall(call.itemId, call.callId, call.name, "", "in_progress"));
      emit(e);
    }
    JsonNode args = function.get("arguments");
    if (args != null && args.isTextual() && !args.textValue().isEmpty()) {
      call.arguments.append(args.textValue());
      ObjectNode done = call.done;
      if (done != null) {
        done.put("arguments", call.arguments.toString());
      }
      ObjectNode e = event("response.function_call_arguments.delta");
      e.put("item_id", call.itemId).put("output_index", call.outputIndex);
      emit(e.put("delta", args.textValue()));
    }
  }

  private void openReasoning() {
    if (open == Item.REASONING) {
      return;
    }
    closeItem();
    open = Item.REASONING;
    openOutput = nextOutput++;
    openId = ResponseJson.id("rs_", chatId) + (reasonings++ == 0 ? "" : "_" + openOutput);
    ObjectNode item = Json.MAPPER.createObjectNode().put("type", "reasoning").put("id", openId);
    item.putArray("summary");
    emit(event("response.output_item.added").put("output_index", openOutput).set("item", item));
    ObjectNode e = itemEvent("response.reasoning_summary_part.added").put("summary_index", 0);
    e.set("part", ResponseJson.summaryText(""));
    emit(e);
  }

  private void openPart(Part kind) {
    if (open != Item.MESSAGE) {
      closeItem();
      open = Item.MESSAGE;
      openOutput = nextOutput++;
      openId = ResponseJson.id("msg_", chatId) + (messages++ == 0 ? "" : "_" + openOutput);
      parts = Json.MAPPER.createArrayNode();
      contentIndex = -1;
      part = Part.NONE;
      ObjectNode e = event("response.output_item.added").put("output_index", openOutput);
      e.set("item", ResponseJson.message(openId, "in_progress", Json.MAPPER.createArrayNode()));
      emit(e);
    }
    if (part == kind) {
      return;
    }
    closePart();
    part = kind;
    contentIndex++;
    ObjectNode e = partEvent("response.content_part.added");
    e.set("part", kind == Part.TEXT ? ResponseJson.outputText("") : ResponseJson.refusal(""));
    emit(e);
  }

  private void closePart() {
    if (part == Part.NONE) {
      return;
    }
    ObjectNode whole;
    if (part == Part.TEXT) {
      ObjectNode e = partEvent("response.output_text.done").put("text", text.toString());
      e.putArray("logprobs");
      emit(e);
      whole = ResponseJson.outputText(text.toString());
    } else {
      emit(partEvent("response.refusal.done").put("refusal", text.toString()));
      whole = ResponseJson.refusal(text.toString());
    }
    ObjectNode e = partEvent("response.content_part.done");
    e.set("part", whole);
    emit(e);
    parts.add(whole);
    text.setLength(0);
    part = Part.NONE;
  }

  /** Ends the open item; a message ends incomplete if the chat stopped for length or filtering. */
  private void closeItem() {
    ObjectNode item;
    switch (open) {
      case NONE -> {
        return;
      }
      case REASONING -> {
        String summary = text.toString();
        emit(
            itemEvent("response.reasoning_summary_text.done")
                .put("summary_index", 0)
                .put("text", summary));
        ObjectNode e = itemEvent("response.reasoning_summary_part.done").put("summary_index", 0);
        e.set("part", ResponseJson.summaryText(summary));
        emit(e);
        text.setLength(0);
        item = ResponseJson.reasoning(openId, summary);
      }
      case MESSAGE -> {
        closePart();
        String status =
            ResponseJson.incompleteReason(finishReason) == null ? "completed" : "incomplete";
        item = ResponseJson.message(openId, status, parts);
      }
      case CALL -> {
        Call call = Objects.requireNonNull(openCall, "openCall");
        String args = call.arguments.toString();
        ObjectNode e = itemEvent("response.function_call_arguments.done");
        emit(e.put("name", call.name).put("arguments", args));
        item = ResponseJson.functionCall(call.itemId, call.callId, call.name, args, "completed");
        call.done = item;
        openCall = null;
      }
      default -> throw new IllegalStateException(open.name());
    }
    emit(event("response.output_item.done").put("output_index", openOutput).set("item", item));
    output.add(item);
    open = Item.NONE;
  }

  /** Emits what a stream still owes at its end: up to the final response event, once. */
  private void close() {
    if (finished) {
      return;
    }
    if (!started) {
      start(Json.MAPPER.createObjectNode());
    }
    finish();
  }

  private void finish() {
    closeItem();
    @Nullable String incomplete = ResponseJson.incompleteReason(finishReason);
    String status = incomplete == null ? "completed" : "incomplete";
    emitResponse(
        incomplete == null ? "response.completed" : "response.incomplete",
        ResponseJson.response(
            responseId, createdAt, model, status, incomplete, output, usage, null));
    finished = true;
  }

  private ObjectNode event(String type) {
    return Json.MAPPER.createObjectNode().put("type", type);
  }

  /** An event about the open item. */
  private ObjectNode itemEvent(String type) {
    return event(type).put("item_id", openId).put("output_index", openOutput);
  }

  /** An event about the open content part. */
  private ObjectNode partEvent(String type) {
    return itemEvent(type).put("content_index", contentIndex);
  }

  private void emitResponse(String type, ObjectNode response) {
    ObjectNode e = event(type);
    e.set("response", response);
    emit(e);
  }

  private void emit(ObjectNode event) {
    event.put("sequence_number", sequence++);
    try {
      out.appendString("event: ")
          .appendString(event.get("type").asText())
          .appendString("\ndata: ")
          .appendBytes(Json.MAPPER.writeValueAsBytes(event))
          .appendString("\n\n");
    } catch (JsonProcessingException e) {
      throw GatewayException.internal("could not write a stream event", e);
    }
  }
}

package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.common.Json;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * One event of a Messages stream, read with the streaming parser into fields that are reused from
 * event to event: the parts of {@code message_start}, {@code content_block_start}, {@code
 * content_block_delta}, {@code message_delta} and {@code error} that a relay needs. Usage is read
 * straight into the stream's {@link AnthropicUsage}, since Anthropic's counts are cumulative. Not
 * thread-safe: one per stream.
 */
final class AnthropicEvent {
  /** The event's {@code type}, such as {@code content_block_delta}; null when it had none. */
  @Nullable String type;

  /** The content block's {@code index}; -1 when none. */
  int index;

  /** {@code message.id} and {@code message.model} of {@code message_start}. */
  @Nullable String messageId;

  @Nullable String model;

  /** {@code content_block} of {@code content_block_start}: its type, id, name, and text. */
  @Nullable String blockType;

  @Nullable String blockId;
  @Nullable String blockName;

  /** The block's initial {@code text}, {@code thinking} or {@code data} (redacted thinking). */
  @Nullable String blockText;

  /** {@code delta.type} of {@code content_block_delta}, and its text. */
  @Nullable String deltaType;

  /**
   * The delta's {@code text}, {@code partial_json}, {@code thinking} or {@code signature}: a delta
   * carries one of them.
   */
  @Nullable String deltaText;

  /** {@code delta.stop_reason} of {@code message_delta}. */
  @Nullable String stopReason;

  /** {@code error.type} and {@code error.message} of an {@code error} event. */
  @Nullable String errorType;

  @Nullable String errorMessage;

  private void clear() {
    type = null;
    index = -1;
    messageId = null;
    model = null;
    blockType = null;
    blockId = null;
    blockName = null;
    blockText = null;
    deltaType = null;
    deltaText = null;
    stopReason = null;
    errorType = null;
    errorMessage = null;
  }

  /**
   * Reads an event's JSON data, merging any usage it reports into {@code usage}. False when the
   * data is not a JSON object, which a relay skips.
   */
  boolean read(String data, AnthropicUsage usage) {
    clear();
    try (JsonParser p = Json.FACTORY.createParser(data)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "type" -> type = text(p, t);
          case "index" -> index = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
          case "message" -> message(p, t, usage);
          case "content_block" -> block(p, t);
          case "delta" -> delta(p, t);
          case "usage" -> {
            if (t == JsonToken.START_OBJECT) {
              usage.read(p);
            } else {
              p.skipChildren();
            }
          }
          case "error" -> error(p, t);
          default -> p.skipChildren();
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void message(JsonParser p, JsonToken t, AnthropicUsage usage) throws IOException {
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "id" -> messageId = text(p, v);
        case "model" -> model = text(p, v);
        case "usage" -> {
          if (v == JsonToken.START_OBJECT) {
            usage.read(p);
          } else {
            p.skipChildren();
          }
        }
        default -> p.skipChildren();
      }
    }
  }

  private void block(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "type" -> blockType = text(p, v);
        case "id" -> blockId = text(p, v);
        case "name" -> blockName = text(p, v);
        case "text", "thinking", "data" -> blockText = text(p, v);
        default -> p.skipChildren();
      }
    }
  }

  private void delta(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "type" -> deltaType = text(p, v);
        case "text", "partial_json", "thinking", "signature" -> deltaText = text(p, v);
        case "stop_reason" -> stopReason = text(p, v);
        default -> p.skipChildren();
      }
    }
  }

  private void error(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "type" -> errorType = text(p, v);
        case "message" -> errorMessage = text(p, v);
        default -> p.skipChildren();
      }
    }
  }

  private static @Nullable String text(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }
}

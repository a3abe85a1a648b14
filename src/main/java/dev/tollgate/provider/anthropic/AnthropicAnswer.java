package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.UpstreamResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A non-streamed Messages answer as OpenAI's {@code chat.completion}, as LiteLLM shapes it: text
 * blocks joined as the content, {@code tool_use} blocks as {@code tool_calls} (their input as a
 * JSON string), thinking as {@code reasoning_content} with the blocks themselves (signatures
 * included, for the next turn) as {@code thinking_blocks}, {@code stop_reason} as {@code
 * finish_reason} ({@link AnthropicStopReason}), and usage as {@link AnthropicUsage} writes it. In
 * JSON mode ({@link AnthropicRequest#JSON_TOOL}), that tool's input is the content and the answer
 * stopped rather than called a tool. Server-tool blocks and citations are left out. Stateless.
 */
final class AnthropicAnswer {
  private AnthropicAnswer() {}

  private record ToolCall(String id, String name, String arguments) {}

  /**
   * Translates {@code body}, a Messages answer of HTTP {@code status}; a body that is not one is a
   * 502.
   */
  static UpstreamResponse toChat(int status, byte[] body, boolean jsonMode, long created) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.path("content").isArray()) {
      throw GatewayException.badGateway(
          "upstream answered with something that is not a message", null);
    }
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    List<JsonNode> thinkingBlocks = new ArrayList<>();
    List<ToolCall> calls = new ArrayList<>();
    String json = null;
    for (JsonNode block : root.path("content")) {
      switch (block.path("type").asText("")) {
        case "text" -> text.append(block.path("text").asText(""));
        case "tool_use" -> {
          String name = block.path("name").asText("");
          String arguments = compact(block.path("input"));
          if (jsonMode && name.equals(AnthropicRequest.JSON_TOOL) && json == null) {
            json = arguments;
          } else {
            calls.add(new ToolCall(block.path("id").asText(""), name, arguments));
          }
        }
        case "thinking" -> {
          reasoning.append(block.path("thinking").asText(""));
          thinkingBlocks.add(block);
        }
        case "redacted_thinking" -> thinkingBlocks.add(block);
        default -> {
          // server_tool_use, web_search_tool_result...: not part of an OpenAI answer
        }
      }
    }
    String stopReason =
        root.path("stop_reason").isTextual() ? root.path("stop_reason").asText() : null;
    String finish = AnthropicStopReason.finishReason(stopReason);
    if (json != null && calls.isEmpty() && finish.equals("tool_calls")) {
      finish = "stop";
    }
    Optional<Usage> usage = usage(root.path("usage"));
    String content = json != null ? json : text.isEmpty() ? null : text.toString();
    String f = finish;
    String id = root.path("id").asText("");
    String model = root.path("model").asText("");
    byte[] out =
        Json.write(
            g -> write(g, id, model, created, content, calls, thinkingBlocks, reasoning, f, usage));
    return new UpstreamResponse(status, "application/json", out, usage);
  }

  private static void write(
      JsonGenerator g,
      String id,
      String model,
      long created,
      @Nullable String content,
      List<ToolCall> calls,
      List<JsonNode> thinkingBlocks,
      StringBuilder reasoning,
      String finish,
      Optional<Usage> usage) {
    try {
      g.writeStartObject();
      g.writeStringField("id", id);
      g.writeStringField("object", "chat.completion");
      g.writeNumberField("created", created);
      g.writeStringField("model", model);
      g.writeArrayFieldStart("choices");
      g.writeStartObject();
      g.writeNumberField("index", 0);
      g.writeObjectFieldStart("message");
      g.writeStringField("role", "assistant");
      Json.field(g, "content", content);
      if (!calls.isEmpty()) {
        g.writeArrayFieldStart("tool_calls");
        for (ToolCall c : calls) {
          g.writeStartObject();
          g.writeStringField("id", c.id());
          g.writeStringField("type", "function");
          g.writeObjectFieldStart("function");
          g.writeStringField("name", c.name());
          g.writeStringField("arguments", c.arguments());
          g.writeEndObject();
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      if (!thinkingBlocks.isEmpty()) {
        g.writeStringField("reasoning_content", reasoning.toString());
        g.writeArrayFieldStart("thinking_blocks");
        for (JsonNode b : thinkingBlocks) {
          Json.tree(g, b);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeStringField("finish_reason", finish);
      g.writeEndObject();
      g.writeEndArray();
      if (usage.isPresent()) {
        AnthropicUsage.writeOpenAi(g, usage.get());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String compact(JsonNode input) {
    return input.isMissingNode() || input.isNull() ? "{}" : input.toString();
  }

  /** The usage of a tree's {@code usage} object; empty when the answer has none. */
  private static Optional<Usage> usage(JsonNode node) {
    if (!node.isObject()) {
      return Optional.empty();
    }
    try (JsonParser p = Json.MAPPER.treeAsTokens(node)) {
      p.nextToken();
      AnthropicUsage u = new AnthropicUsage();
      u.read(p);
      return Optional.of(u.usage());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The usage of a Messages answer passed through unchanged (a native Messages call): its top-level
   * {@code usage}, read with the streaming parser; empty when there is none.
   */
  static Optional<Usage> usageOf(byte[] body) {
    try (JsonParser p = Json.FACTORY.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (name.equals("usage") && t == JsonToken.START_OBJECT) {
          AnthropicUsage u = new AnthropicUsage();
          u.read(p);
          return Optional.of(u.usage());
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      // not JSON: no usage
    }
    return Optional.empty();
  }
}

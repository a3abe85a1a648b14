package dev.tollgate.provider.bedrock;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * A non-streamed Converse answer as OpenAI's {@code chat.completion}, as LiteLLM shapes it: {@code
 * output.message.content}'s text blocks joined as the content, {@code toolUse} blocks as {@code
 * tool_calls} (their input as a JSON string), {@code reasoningContent} as {@code
 * reasoning_content}, {@code stopReason} as {@code finish_reason} and the usage as {@link
 * BedrockUsage} writes it. In JSON mode (a {@code response_format}, {@link
 * BedrockRequest#jsonTool}), that tool's input is the content and the answer stopped rather than
 * called a tool. Converse answers carry no id, so the caller gives one. Stateless.
 */
final class BedrockAnswer {
  private BedrockAnswer() {}

  private record ToolCall(String id, String name, String arguments) {}

  /** Translates {@code body}; a body that is not a Converse answer is a 502. */
  static UpstreamResponse toChat(
      int status, byte[] body, @Nullable String jsonTool, String id, String model, long created) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      root = null;
    }
    JsonNode content = root == null ? null : root.path("output").path("message").path("content");
    if (root == null || content == null || !content.isArray()) {
      throw GatewayException.badGateway(
          "upstream answered with something that is not a Converse answer", null);
    }
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    List<JsonNode> thinkingBlocks = new ArrayList<>();
    List<ToolCall> calls = new ArrayList<>();
    String json = null;
    for (JsonNode block : content) {
      if (block.path("text").isTextual()) {
        text.append(block.path("text").asText());
      } else if (block.path("toolUse").isObject()) {
        JsonNode use = block.path("toolUse");
        JsonNode input = use.path("input");
        String name = use.path("name").asText("");
        String arguments = input.isMissingNode() || input.isNull() ? "{}" : input.toString();
        if (json == null && name.equals(jsonTool)) {
          json = arguments;
        } else {
          calls.add(new ToolCall(use.path("toolUseId").asText(""), name, arguments));
        }
      } else if (block.path("reasoningContent").isObject()) {
        JsonNode r = block.path("reasoningContent");
        JsonNode rt = r.path("reasoningText");
        if (rt.isObject()) {
          reasoning.append(rt.path("text").asText(""));
          ObjectNode b =
              JsonNodeFactory.instance
                  .objectNode()
                  .put("type", "thinking")
                  .put("thinking", rt.path("text").asText(""));
          if (rt.path("signature").isTextual()) {
            b.put("signature", rt.path("signature").asText());
          }
          thinkingBlocks.add(b);
        } else if (r.path("redactedContent").isTextual()) {
          thinkingBlocks.add(
              JsonNodeFactory.instance
                  .objectNode()
                  .put("type", "redacted_thinking")
                  .put("data", r.path("redactedContent").asText()));
        }
      }
    }
    String stop = root.path("stopReason").isTextual() ? root.path("stopReason").asText() : null;
    String finish = BedrockUsage.finishReason(stop);
    if (json != null && calls.isEmpty() && finish.equals("tool_calls")) {
      finish = "stop";
    }
    Optional<Usage> usage = BedrockUsage.read(root.get("usage"));
    String c = json != null ? json : text.isEmpty() ? null : text.toString();
    String f = finish;
    String r = reasoning.isEmpty() ? null : reasoning.toString();
    byte[] out =
        Json.write(g -> write(g, id, model, created, c, r, thinkingBlocks, calls, f, usage));
    return new UpstreamResponse(status, "application/json", out, usage);
  }

  private static void write(
      JsonGenerator g,
      String id,
      String model,
      long created,
      @Nullable String content,
      @Nullable String reasoning,
      List<JsonNode> thinkingBlocks,
      List<ToolCall> calls,
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
      if (reasoning != null || !thinkingBlocks.isEmpty()) {
        g.writeStringField("reasoning_content", reasoning == null ? "" : reasoning);
        g.writeArrayFieldStart("thinking_blocks");
        for (JsonNode b : thinkingBlocks) {
          Json.tree(g, b);
        }
        g.writeEndArray();
      }
      if (!calls.isEmpty()) {
        g.writeArrayFieldStart("tool_calls");
        for (ToolCall call : calls) {
          g.writeStartObject();
          g.writeStringField("id", call.id());
          g.writeStringField("type", "function");
          g.writeObjectFieldStart("function");
          g.writeStringField("name", call.name());
          g.writeStringField("arguments", call.arguments());
          g.writeEndObject();
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeStringField("finish_reason", finish);
      g.writeEndObject();
      g.writeEndArray();
      if (usage.isPresent()) {
        BedrockUsage.writeOpenAi(g, usage.get());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

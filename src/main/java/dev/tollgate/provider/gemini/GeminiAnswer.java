package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.EmbeddingList;
import dev.tollgate.provider.UpstreamResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Translates a {@code GenerateContentResponse} into an OpenAI {@code chat.completion}: each
 * candidate a choice, its text parts the content, its thought parts ({@code thought: true}) the
 * {@code reasoning_content}, its {@code functionCall} parts {@code tool_calls} (arguments as a JSON
 * string), its {@code finishReason} the {@code finish_reason} ({@link GeminiFinishReason}), and
 * {@code usageMetadata} the usage ({@link GeminiUsage}). A prompt that Gemini blocked ({@code
 * promptFeedback.blockReason}, no candidates) is one empty choice finished by {@code
 * content_filter}.
 *
 * <p>Gemini's function calls carry no id (or one only Gemini 3 sends), so a call gets {@code
 * call_<random>}; the call's {@code thoughtSignature}, which Gemini wants back with it on the next
 * turn, is appended as {@code __thought__<signature>}, as LiteLLM does, and {@link GeminiRequest}
 * takes it off again. Stateless.
 */
final class GeminiAnswer {
  private GeminiAnswer() {}

  /** A tool call of an answer. */
  record ToolCall(String id, String name, String arguments) {}

  /** One candidate, translated. */
  record Choice(
      int index,
      @Nullable String content,
      @Nullable String reasoning,
      List<ToolCall> calls,
      String finishReason) {}

  static UpstreamResponse toChat(int status, byte[] body, String model, long created) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      throw GatewayException.badGateway(
          "upstream answered with something that is not a GenerateContentResponse", null);
    }
    List<Choice> choices = new ArrayList<>();
    JsonNode candidates = root.path("candidates");
    for (int i = 0; i < candidates.size(); i++) {
      choices.add(choice(candidates.get(i), i));
    }
    if (choices.isEmpty()) {
      // The prompt was blocked (promptFeedback.blockReason): no candidate at all.
      choices.add(new Choice(0, null, null, List.of(), "content_filter"));
    }
    Optional<Usage> usage = GeminiUsage.of(root.path("usageMetadata"));
    String id = root.path("responseId").asText("");
    String m = root.path("modelVersion").asText(model);
    byte[] out = Json.write(g -> write(g, id.isEmpty() ? newId() : id, m, created, choices, usage));
    return new UpstreamResponse(status, "application/json", out, usage);
  }

  private static Choice choice(JsonNode candidate, int position) {
    int index =
        candidate.path("index").canConvertToInt() ? candidate.path("index").asInt() : position;
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    boolean hasText = false;
    boolean hasReasoning = false;
    List<ToolCall> calls = new ArrayList<>();
    for (JsonNode part : candidate.path("content").path("parts")) {
      if (part.has("functionCall")) {
        calls.add(toolCall(part));
      } else if (part.path("text").isTextual()) {
        if (part.path("thought").asBoolean(false)) {
          reasoning.append(part.path("text").asText());
          hasReasoning = true;
        } else {
          text.append(part.path("text").asText());
          hasText = true;
        }
      }
    }
    String reason =
        candidate.path("finishReason").isTextual() ? candidate.path("finishReason").asText() : null;
    return new Choice(
        index,
        hasText ? text.toString() : null,
        hasReasoning ? reasoning.toString() : null,
        calls,
        GeminiFinishReason.finishReason(reason, !calls.isEmpty()));
  }

  /** A {@code functionCall} part as an OpenAI tool call. */
  static ToolCall toolCall(JsonNode part) {
    JsonNode fc = part.path("functionCall");
    String id = fc.path("id").isTextual() ? fc.path("id").asText() : newCallId();
    if (part.path("thoughtSignature").isTextual()) {
      id += GeminiRequest.SIGNATURE_SEPARATOR + part.path("thoughtSignature").asText();
    }
    JsonNode args = fc.path("args");
    String arguments = args.isObject() ? args.toString() : "{}";
    return new ToolCall(id, fc.path("name").asText(""), arguments);
  }

  static String newCallId() {
    byte[] b = new byte[12];
    ThreadLocalRandom.current().nextBytes(b);
    return "call_" + HexFormat.of().formatHex(b);
  }

  static String newId() {
    byte[] b = new byte[12];
    ThreadLocalRandom.current().nextBytes(b);
    return "chatcmpl-" + HexFormat.of().formatHex(b);
  }

  private static void write(
      JsonGenerator g,
      String id,
      String model,
      long created,
      List<Choice> choices,
      Optional<Usage> usage) {
    try {
      g.writeStartObject();
      g.writeStringField("id", id);
      g.writeStringField("object", "chat.completion");
      g.writeNumberField("created", created);
      g.writeStringField("model", model);
      g.writeArrayFieldStart("choices");
      for (Choice c : choices) {
        g.writeStartObject();
        g.writeNumberField("index", c.index());
        g.writeObjectFieldStart("message");
        g.writeStringField("role", "assistant");
        Json.field(g, "content", c.content());
        if (c.reasoning() != null) {
          g.writeStringField("reasoning_content", c.reasoning());
        }
        if (!c.calls().isEmpty()) {
          g.writeArrayFieldStart("tool_calls");
          for (ToolCall t : c.calls()) {
            g.writeStartObject();
            g.writeStringField("id", t.id());
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", t.name());
            g.writeStringField("arguments", t.arguments());
            g.writeEndObject();
            g.writeEndObject();
          }
          g.writeEndArray();
        }
        g.writeEndObject();
        g.writeStringField("finish_reason", c.finishReason());
        g.writeEndObject();
      }
      g.writeEndArray();
      if (usage.isPresent()) {
        GeminiUsage.writeOpenAi(g, usage.get());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Translates a {@code batchEmbedContents} answer, {@code {"embeddings":[{"values":[...]}]}}, into
   * OpenAI's embeddings list. Gemini reports no token count for embeddings, so the usage is empty
   * and the gateway counts the input itself.
   */
  static UpstreamResponse toEmbeddings(int status, byte[] body, String model) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.path("embeddings").isArray()) {
      throw GatewayException.badGateway(
          "upstream answered with something that is not a batchEmbedContents answer", null);
    }
    List<JsonNode> vectors = new ArrayList<>();
    for (JsonNode e : root.path("embeddings")) {
      vectors.add(e.path("values"));
    }
    byte[] out = EmbeddingList.write(vectors, model, OptionalLong.empty());
    return new UpstreamResponse(status, "application/json", out, Optional.empty());
  }
}

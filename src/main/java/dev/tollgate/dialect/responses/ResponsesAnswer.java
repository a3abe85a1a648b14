package dev.tollgate.dialect.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import java.io.IOException;
import java.time.Clock;
import org.jspecify.annotations.Nullable;

/**
 * An OpenAI {@code chat.completion} as a Responses API {@code response}: a reasoning item if the
 * chat message has reasoning text, a message item with its text (or refusal), and a function_call
 * item per tool call. Stateless.
 */
final class ResponsesAnswer {
  private ResponsesAnswer() {}

  static byte[] fromChat(byte[] chatAnswer, String model, Clock clock) {
    JsonNode answer;
    try {
      answer = Json.MAPPER.readTree(chatAnswer);
    } catch (IOException e) {
      throw GatewayException.badGateway("the upstream's chat answer is not JSON", e);
    }
    if (answer == null || !answer.isObject()) {
      throw GatewayException.badGateway("the upstream's chat answer is not a JSON object", null);
    }
    String chatId = answer.path("id").asText("");
    JsonNode choice = answer.path("choices").path(0);
    JsonNode message = choice.path("message");
    @Nullable String finish = choice.path("finish_reason").asText(null);
    @Nullable String incomplete = ResponseJson.incompleteReason(finish);
    String status = incomplete == null ? "completed" : "incomplete";

    ArrayNode output = Json.MAPPER.createArrayNode();
    String reasoning = ResponseJson.reasoningText(message);
    if (!reasoning.isEmpty()) {
      output.add(ResponseJson.reasoning(ResponseJson.id("rs_", chatId), reasoning));
    }
    JsonNode calls = message.path("tool_calls");
    boolean hasCalls = calls.isArray() && !calls.isEmpty();
    ArrayNode content = Json.MAPPER.createArrayNode();
    @Nullable String text = contentText(message.get("content"));
    if (text != null && (!text.isEmpty() || !hasCalls)) {
      content.add(ResponseJson.outputText(text));
    }
    JsonNode refusal = message.get("refusal");
    if (refusal != null && refusal.isTextual() && !refusal.textValue().isEmpty()) {
      content.add(ResponseJson.refusal(refusal.textValue()));
    }
    if (!content.isEmpty() || !hasCalls) {
      output.add(ResponseJson.message(ResponseJson.id("msg_", chatId), status, content));
    }
    if (hasCalls) {
      for (JsonNode call : calls) {
        String callId = call.path("id").asText("");
        JsonNode function = call.path("function");
        output.add(
            ResponseJson.functionCall(
                ResponseJson.id("fc_", callId),
                callId,
                function.path("name").asText(""),
                function.path("arguments").asText(""),
                "completed"));
      }
    }
    JsonNode created = answer.get("created");
    long createdAt =
        created != null && created.isIntegralNumber()
            ? created.asLong()
            : clock.instant().getEpochSecond();
    JsonNode usage = answer.get("usage");
    return BodyJson.write(
        ResponseJson.response(
            ResponseJson.id("resp_", chatId),
            createdAt,
            model,
            status,
            incomplete,
            output,
            usage != null && usage.isObject() ? ResponseJson.usage(usage) : null,
            null));
  }

  /** A chat message's content as text: a string, or the text of its text parts; null if none. */
  private static @Nullable String contentText(@Nullable JsonNode content) {
    if (content == null || content.isNull()) {
      return null;
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if ("text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
        text.append(part.get("text").textValue());
      }
    }
    return text.toString();
  }
}

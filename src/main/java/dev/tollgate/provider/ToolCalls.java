package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import java.io.IOException;

/** What the translations to other providers share about OpenAI's tool calls. Stateless. */
public final class ToolCalls {
  private ToolCalls() {}

  /**
   * An assistant message's {@code tool_calls[j].function.arguments}, a JSON string in OpenAI's
   * format, as the JSON object the other providers take: an object as it is, an empty or absent
   * value as {@code {}}.
   *
   * @param at the message's path in the request, for the error
   * @throws GatewayException 400 naming the field when the string is not a JSON object
   */
  public static JsonNode argumentsObject(JsonNode arguments, String at, int j) {
    if (arguments.isObject()) {
      return arguments;
    }
    String text = arguments.asText("");
    if (arguments.isNull() || arguments.isMissingNode() || text.isBlank()) {
      return JsonNodeFactory.instance.objectNode();
    }
    String param = at + ".tool_calls[" + j + "].function.arguments";
    try {
      JsonNode input = Json.MAPPER.readTree(text);
      if (input != null && input.isObject()) {
        return input;
      }
    } catch (IOException e) {
      // reported below
    }
    throw GatewayException.badRequest(param, param + " must be a JSON object, as a string");
  }
}

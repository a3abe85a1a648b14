package dev.tollgate.dialect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * How the bridges read a client's body and write what they translate: strictly (a duplicate key is
 * a 400, as on every other route), and with the same 400s naming the field. Stateless.
 */
public final class BodyJson {
  private BodyJson() {}

  /** The client's body as a tree; a 400 when it is not one JSON value. */
  public static JsonNode parse(byte[] body) {
    try {
      JsonNode root = Json.STRICT_MAPPER.readTree(body);
      if (root == null) {
        throw bad(null, "request body is empty; send a JSON object");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw Json.invalid(e);
    } catch (IOException e) {
      throw bad(null, "request body could not be read: " + e.getMessage());
    }
  }

  /** A translated body or answer, as bytes. */
  public static byte[] write(JsonNode node) {
    try {
      return Json.MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw GatewayException.internal("could not write a translated request", e);
    }
  }

  /** A value as JSON text, as chat carries tool arguments and results; a missing one is {}. */
  public static String string(JsonNode node) {
    return node.isMissingNode() ? "{}" : new String(write(node), StandardCharsets.UTF_8);
  }

  /** The field, or null when it is absent or JSON null. */
  public static @Nullable JsonNode present(JsonNode node, String name) {
    JsonNode v = node.get(name);
    return v == null || v.isNull() ? null : v;
  }

  /** A string field that must be there; {@code at} is the path of {@code node}, for the 400. */
  public static String requiredString(JsonNode node, String name, String at) {
    JsonNode v = node.get(name);
    if (v == null || !v.isTextual()) {
      throw bad(at + "." + name, "'" + at + "." + name + "' is required and must be a string");
    }
    return v.textValue();
  }

  /** A 400 naming {@code param}. */
  public static GatewayException bad(@Nullable String param, String message) {
    return GatewayException.badRequest(param, message);
  }

  /**
   * The client's {@code stream} flag onto the chat request {@code chat}: a stream asks for the
   * usage chunk too, since the gateway bills from it.
   */
  public static void stream(JsonNode root, ObjectNode chat) {
    JsonNode stream = present(root, "stream");
    if (stream == null) {
      return;
    }
    if (!stream.isBoolean()) {
      throw bad("stream", "'stream' must be true or false");
    }
    if (stream.booleanValue()) {
      chat.put("stream", true);
      chat.putObject("stream_options").put("include_usage", true);
    }
  }
}

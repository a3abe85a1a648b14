package dev.tollgate.proxy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Reads an LLM request body once with Jackson's streaming parser: validates the fields the gateway
 * relies on and records where {@code model} sits, without building a tree. Stateless.
 */
final class RequestParser {
  private RequestParser() {}

  static ParsedRequest parse(Endpoint endpoint, byte[] body) {
    if (body.length == 0) {
      throw GatewayException.badRequest(null, "request body is empty; expected a JSON object");
    }
    try (JsonParser p = Json.FACTORY.createParser(body)) {
      return read(endpoint, body, p);
    } catch (JsonProcessingException e) {
      throw GatewayException.badRequest(
          null,
          "request body is not valid JSON: "
              + e.getOriginalMessage()
              + " (line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + ")");
    } catch (IOException e) {
      throw GatewayException.badRequest(null, "request body could not be read: " + e.getMessage());
    }
  }

  private static ParsedRequest read(Endpoint endpoint, byte[] body, JsonParser p)
      throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw GatewayException.badRequest(null, "request body must be a JSON object");
    }
    String model = null;
    int modelStart = -1;
    int modelEnd = -1;
    boolean stream = false;
    int streamOptionsStart = -1;
    boolean streamOptionsEmpty = true;
    int includeUsageStart = -1;
    int includeUsageEnd = -1;
    boolean includeUsage = false;
    boolean hasRequired = false;
    String user = null;
    OptionalLong maxTokens = OptionalLong.empty();
    List<String> tags = new ArrayList<>();
    Images images = new Images();
    String required = endpoint.requiredField();

    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "model" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw wrongType("model", "a string", t);
          }
          modelStart = (int) p.currentTokenLocation().getByteOffset();
          model = p.getText();
          modelEnd = endOfString(body, modelStart);
        }
        case "stream" -> {
          if (t == JsonToken.VALUE_NULL) {
            break;
          }
          if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw wrongType("stream", "a boolean", t);
          }
          stream = t == JsonToken.VALUE_TRUE;
        }
        case "stream_options" -> {
          if (t == JsonToken.VALUE_NULL) {
            break;
          }
          if (t != JsonToken.START_OBJECT) {
            throw wrongType("stream_options", "an object", t);
          }
          streamOptionsStart = (int) p.currentTokenLocation().getByteOffset();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            streamOptionsEmpty = false;
            String option = p.currentName();
            JsonToken v = p.nextToken();
            if (option.equals("include_usage")) {
              if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                throw wrongType("stream_options.include_usage", "a boolean", v);
              }
              includeUsage = v == JsonToken.VALUE_TRUE;
              includeUsageStart = (int) p.currentTokenLocation().getByteOffset();
              includeUsageEnd = includeUsageStart + (includeUsage ? 4 : 5);
            } else {
              p.skipChildren();
            }
          }
        }
        case "user" -> {
          if (t == JsonToken.VALUE_STRING) {
            user = p.getText();
          } else if (t != JsonToken.VALUE_NULL) {
            throw wrongType("user", "a string", t);
          }
        }
        case "max_tokens", "max_completion_tokens" -> {
          if (t == JsonToken.VALUE_NUMBER_INT) {
            long v = p.getLongValue();
            if (v < 0) {
              throw GatewayException.badRequest(field, field + " must not be negative");
            }
            maxTokens = OptionalLong.of(v);
          } else if (t != JsonToken.VALUE_NULL) {
            throw wrongType(field, "an integer", t);
          }
        }
        case "messages" -> {
          if (endpoint == Endpoint.CHAT) {
            if (t != JsonToken.START_ARRAY) {
              throw wrongType("messages", "an array of messages", t);
            }
            if (p.nextToken() == JsonToken.END_ARRAY) {
              throw GatewayException.badRequest("messages", "messages must not be empty");
            }
            walkMessages(p, body, images);
            hasRequired = true;
          } else {
            p.skipChildren();
          }
        }
        case "prompt", "input" -> {
          if (field.equals(required)) {
            if (t != JsonToken.VALUE_STRING && t != JsonToken.START_ARRAY) {
              throw wrongType(field, "a string or an array", t);
            }
            hasRequired = true;
          }
          p.skipChildren();
        }
        case "metadata" -> {
          if (t == JsonToken.START_OBJECT) {
            readTags(p, tags);
          } else if (t != JsonToken.VALUE_NULL) {
            throw wrongType("metadata", "an object", t);
          }
        }
        case "temperature", "top_p", "presence_penalty", "frequency_penalty" -> {
          if (t != JsonToken.VALUE_NUMBER_INT
              && t != JsonToken.VALUE_NUMBER_FLOAT
              && t != JsonToken.VALUE_NULL) {
            throw wrongType(field, "a number", t);
          }
        }
        case "n" -> {
          if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NULL) {
            throw wrongType(field, "an integer", t);
          }
        }
        default -> p.skipChildren();
      }
    }
    if (p.nextToken() != null) {
      throw GatewayException.badRequest(null, "request body has data after the JSON object");
    }
    if (model == null) {
      throw GatewayException.badRequest("model", "missing required field: model");
    }
    if (!hasRequired) {
      throw GatewayException.badRequest(required, "missing required field: " + required);
    }
    return new ParsedRequest(
        endpoint,
        body,
        model,
        modelStart,
        modelEnd,
        stream,
        streamOptionsStart,
        streamOptionsEmpty,
        includeUsageStart,
        includeUsageEnd,
        includeUsage,
        Optional.ofNullable(user),
        maxTokens,
        tags,
        images.parts,
        images.inline,
        images.inlineBytes);
  }

  /** What {@link #walkMessages} counts. */
  private static final class Images {
    int parts;
    int inline;
    long inlineBytes;
  }

  private static final byte[] DATA_IMAGE = "\"data:image/".getBytes(StandardCharsets.US_ASCII);

  /** The same with its slash escaped, as some JSON encoders write it. */
  private static final byte[] DATA_IMAGE_ESCAPED =
      "\"data:image\\/".getBytes(StandardCharsets.US_ASCII);

  /**
   * Reads the messages array from its first element's token through its END_ARRAY, as skipping it
   * would, counting the {@code image_url} parts and the bytes of inline ({@code data:image/...})
   * image URLs. A string's length is taken from where the next token starts, so it is never
   * decoded.
   */
  private static void walkMessages(JsonParser p, byte[] body, Images images) throws IOException {
    int depth = 0;
    @Nullable String field = null;
    long inlineStart = -1;
    for (JsonToken t = p.currentToken(); ; t = p.nextToken()) {
      if (t == null) {
        throw GatewayException.badRequest("messages", "messages is not a complete JSON array");
      }
      if (inlineStart >= 0) {
        images.inlineBytes += p.currentTokenLocation().getByteOffset() - inlineStart;
        inlineStart = -1;
      }
      switch (t) {
        case START_OBJECT, START_ARRAY -> {
          depth++;
          field = null;
        }
        case END_OBJECT, END_ARRAY -> {
          if (depth == 0) {
            return;
          }
          depth--;
          field = null;
        }
        case FIELD_NAME -> {
          field = p.currentName();
          if (field.equals("image_url")) {
            images.parts++;
          }
        }
        case VALUE_STRING -> {
          if ("url".equals(field) || "image_url".equals(field)) {
            long at = p.currentTokenLocation().getByteOffset();
            if (startsWith(body, at, DATA_IMAGE) || startsWith(body, at, DATA_IMAGE_ESCAPED)) {
              inlineStart = at;
              images.inline++;
            }
          }
          field = null;
        }
        default -> field = null;
      }
    }
  }

  private static boolean startsWith(byte[] body, long at, byte[] prefix) {
    return at >= 0
        && at + prefix.length <= body.length
        && Arrays.equals(body, (int) at, (int) at + prefix.length, prefix, 0, prefix.length);
  }

  /** Reads {@code metadata.tags}; the parser is on the metadata object's START_OBJECT. */
  private static void readTags(JsonParser p, List<String> tags) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      if (!name.equals("tags")) {
        p.skipChildren();
        continue;
      }
      if (t == JsonToken.VALUE_NULL) {
        continue;
      }
      if (t != JsonToken.START_ARRAY) {
        throw wrongType("metadata.tags", "an array of strings", t);
      }
      for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
        if (e != JsonToken.VALUE_STRING) {
          throw wrongType("metadata.tags", "an array of strings", e);
        }
        String tag = p.getText().strip();
        if (!tag.isEmpty() && !tags.contains(tag)) {
          tags.add(tag);
        }
      }
    }
  }

  /** Offset just past the closing quote of the JSON string starting at {@code start}. */
  private static int endOfString(byte[] body, int start) {
    for (int i = start + 1; i < body.length; i++) {
      if (body[i] == '\\') {
        i++;
      } else if (body[i] == '"') {
        return i + 1;
      }
    }
    throw new IllegalStateException("the parser accepted an unterminated string");
  }

  private static GatewayException wrongType(String field, String expected, @Nullable JsonToken t) {
    return GatewayException.badRequest(
        field, field + " must be " + expected + ", got " + describe(t));
  }

  private static String describe(@Nullable JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.asString() == null ? t.name() : t.asString();
    };
  }
}

package dev.tollgate.proxy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.budget.TokenBound;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.RequestMocks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Reads an LLM request body once with Jackson's streaming parser: validates the fields the gateway
 * relies on and records where {@code model} sits, without building a tree. Stateless.
 */
public final class RequestParser {
  /** Most tags a request may carry (body and header together). */
  static final int MAX_TAGS = 32;

  /** Longest tag, in characters. */
  static final int MAX_TAG_LENGTH = 128;

  /** Longest end-user id ({@code user}, {@code x-litellm-end-user-id}), in characters. */
  static final int MAX_USER_LENGTH = 256;

  /** Largest {@code metadata} object, in bytes as sent. */
  static final int MAX_METADATA_BYTES = 16 * 1024;

  private RequestParser() {}

  /** Reads and checks a request body for {@code endpoint}; a bad one is a 400 naming the field. */
  public static ParsedRequest parse(Endpoint endpoint, byte[] body) {
    if (body.length == 0) {
      throw GatewayException.badRequest(null, "request body is empty; expected a JSON object");
    }
    if (!looksUtf8(body)) {
      throw GatewayException.badRequest(
          null, "request body must be JSON encoded as UTF-8 (it looks like UTF-16 or UTF-32)");
    }
    try (JsonParser p = Json.STRICT_FACTORY.createParser(body)) {
      return read(endpoint, body, p);
    } catch (JsonProcessingException e) {
      throw Json.invalid(e);
    } catch (IOException e) {
      throw GatewayException.badRequest(null, "request body could not be read: " + e.getMessage());
    }
  }

  /**
   * The body with {@code model} set to {@code group}: for a path that names the model group, as
   * Azure's deployment routes do, whatever the body says. Its {@code model} is replaced where it
   * stands, or added as the first field when it is missing; every other byte stays as sent.
   */
  static byte[] withModel(Endpoint endpoint, byte[] body, String group) {
    try {
      ParsedRequest parsed = parse(endpoint, body);
      return parsed.model().equals(group) ? body : parsed.forUpstream(group, false);
    } catch (GatewayException e) {
      String m = e.getMessage();
      if (!"model".equals(e.param()) || m == null || !m.startsWith("missing required field")) {
        throw e;
      }
    }
    int brace = 0;
    while (body[brace] != '{') {
      brace++;
    }
    int next = brace + 1;
    while (next < body.length && Character.isWhitespace(body[next])) {
      next++;
    }
    boolean empty = next < body.length && body[next] == '}';
    byte[] field =
        ("\"model\":" + quoted(group) + (empty ? "" : ",")).getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[body.length + field.length];
    System.arraycopy(body, 0, out, 0, brace + 1);
    System.arraycopy(field, 0, out, brace + 1, field.length);
    System.arraycopy(body, brace + 1, out, brace + 1 + field.length, body.length - brace - 1);
    return out;
  }

  private static String quoted(String s) {
    try {
      return Json.MAPPER.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Whether the body may be UTF-8. Jackson detects UTF-16 and UTF-32 from a byte-order mark or from
   * zero bytes among the first four and would parse them, but the gateway edits the body by byte
   * offset and forwards it as UTF-8, so they are refused. Anything else that is not UTF-8 fails in
   * the parser.
   */
  private static boolean looksUtf8(byte[] b) {
    if (b.length >= 2
        && ((b[0] == (byte) 0xFE && b[1] == (byte) 0xFF)
            || (b[0] == (byte) 0xFF && b[1] == (byte) 0xFE))) {
      return false;
    }
    for (int i = 0; i < Math.min(4, b.length); i++) {
      if (b[i] == 0) {
        return false;
      }
    }
    return true;
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
    boolean streamOptionsNull = false;
    boolean streamOptionsEmpty = true;
    int includeUsageStart = -1;
    int includeUsageEnd = -1;
    boolean includeUsage = false;
    boolean hasRequired = false;
    String user = null;
    long maxTokens = -1;
    long n = 1;
    long bestOf = 1;
    List<String> tags = new ArrayList<>();
    Images images = new Images();
    String required = endpoint.requiredField();
    int numRetries = -1;
    List<String> fallbacks = null;
    // LiteLLM's own fields, never sent upstream: null until the body has one, so a plain request
    // allocates nothing for them.
    Cuts cuts = null;
    String mockResponse = null;
    boolean mockFallbacks = false;
    boolean mockRateLimit = false;
    boolean mockTimeout = false;
    List<String> testing = null;

    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "model" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw wrongType("model", "a string", t);
          }
          modelStart = offset(p);
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
          streamOptionsStart = offset(p);
          if (t == JsonToken.VALUE_NULL) {
            // Replaced by {"include_usage":true} for a stream, never left beside a second key.
            streamOptionsNull = true;
            break;
          }
          if (t != JsonToken.START_OBJECT) {
            throw wrongType("stream_options", "an object", t);
          }
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            streamOptionsEmpty = false;
            String option = p.currentName();
            JsonToken v = p.nextToken();
            if (option.equals("include_usage")) {
              if (v != JsonToken.VALUE_TRUE
                  && v != JsonToken.VALUE_FALSE
                  && v != JsonToken.VALUE_NULL) {
                throw wrongType("stream_options.include_usage", "a boolean", v);
              }
              includeUsage = v == JsonToken.VALUE_TRUE;
              includeUsageStart = offset(p);
              includeUsageEnd = includeUsageStart + (v == JsonToken.VALUE_FALSE ? 5 : 4);
            } else {
              p.skipChildren();
            }
          }
        }
        case "user" -> {
          if (t == JsonToken.VALUE_STRING) {
            user = p.getText();
            if (user.length() > MAX_USER_LENGTH) {
              throw tooLong("user", MAX_USER_LENGTH);
            }
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
            // Both given: the larger bounds what the upstream may generate.
            maxTokens = Math.max(maxTokens, v);
          } else if (t != JsonToken.VALUE_NULL) {
            throw wrongType(field, "an integer", t);
          }
        }
        case "n", "best_of" -> {
          if (t == JsonToken.VALUE_NUMBER_INT) {
            long v = p.getLongValue();
            if (v < 1) {
              throw GatewayException.badRequest(field, field + " must be at least 1, got " + v);
            }
            if (field.equals("n")) {
              n = v;
            } else {
              bestOf = v;
            }
          } else if (t != JsonToken.VALUE_NULL) {
            throw wrongType(field, "an integer", t);
          }
        }
        case "messages" -> {
          if (endpoint == Endpoint.CHAT) {
            if (t != JsonToken.START_ARRAY) {
              throw wrongType("messages", "an array of messages", t);
            }
            readMessages(p, body, images);
            hasRequired = true;
          } else {
            // Anthropic's messages: its dialect has validated them while bridging to chat.
            hasRequired |= field.equals(required) && t == JsonToken.START_ARRAY;
            p.skipChildren();
          }
        }
        case "tools" -> {
          if (endpoint == Endpoint.CHAT && t != JsonToken.VALUE_NULL) {
            readTools(p, t);
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
            int from = offset(p);
            boolean consumed = readTags(p, tags);
            if (offset(p) + 1 - from > MAX_METADATA_BYTES) {
              throw GatewayException.badRequest(
                  "metadata", "metadata must be at most " + MAX_METADATA_BYTES + " bytes of JSON");
            }
            if (consumed) {
              cuts = Cuts.add(cuts, "metadata", from, offset(p) + 1);
            }
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
        case "num_retries" -> {
          // LiteLLM's, not the provider's: read, then cut out of the body below.
          if (t != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0 || p.getLongValue() > 100) {
            throw wrongType("num_retries", "an integer from 0 to 100", t);
          }
          numRetries = p.getIntValue();
          int at = offset(p);
          cuts = Cuts.add(cuts, field, at, at + p.getText().length());
        }
        case "fallbacks" -> {
          // LiteLLM's too: model group names (or {"model": NAME}), cut out of the body below.
          int at = offset(p);
          fallbacks = readFallbacks(p, t);
          cuts = Cuts.add(cuts, field, at, offset(p) + 1);
        }
        case "mock_response" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw wrongType(field, "a string", t);
          }
          mockResponse = p.getText();
          int at = offset(p);
          cuts = Cuts.add(cuts, field, at, endOfString(body, at));
        }
        case "mock_testing_fallbacks", "mock_testing_rate_limit_error", "mock_timeout" -> {
          if (t != JsonToken.VALUE_TRUE
              && t != JsonToken.VALUE_FALSE
              && t != JsonToken.VALUE_NULL) {
            throw wrongType(field, "a boolean", t);
          }
          boolean on = t == JsonToken.VALUE_TRUE;
          switch (field) {
            case "mock_testing_fallbacks" -> mockFallbacks = on;
            case "mock_testing_rate_limit_error" -> mockRateLimit = on;
            default -> mockTimeout = on;
          }
          testing = testing == null ? new ArrayList<>() : testing;
          testing.add(field);
          int at = offset(p);
          cuts = Cuts.add(cuts, field, at, at + p.getText().length());
        }
        case "mock_delay",
            "mock_testing_context_fallbacks",
            "mock_testing_content_policy_fallbacks",
            "caching",
            "guardrails",
            "context_window_fallback_dict" -> {
          // LiteLLM's, and not acted on here; a provider would refuse them, so they are cut out.
          int at = offset(p);
          cuts = Cuts.add(cuts, field, at, valueEnd(p, t, body, at));
        }
        case "cache" -> {
          // LiteLLM's per-request cache controls: read by the response cache from the body as
          // received (dev.tollgate.cache.CacheControl), never forwarded; cut out below.
          if (t != JsonToken.START_OBJECT && t != JsonToken.VALUE_NULL) {
            throw wrongType("cache", "an object", t);
          }
          int at = offset(p);
          cuts = Cuts.add(cuts, field, at, valueEnd(p, t, body, at));
        }
        default -> p.skipChildren();
      }
    }
    if (cuts != null) {
      ParsedRequest stripped = parse(endpoint, cuts.applyTo(body));
      return stripped.withLiteLlmFields(
          tags,
          numRetries >= 0 ? OptionalInt.of(numRetries) : OptionalInt.empty(),
          fallbacks == null ? List.of() : fallbacks,
          mockResponse == null && !mockFallbacks && !mockRateLimit && !mockTimeout
              ? RequestMocks.NONE
              : new RequestMocks(
                  Optional.ofNullable(mockResponse), mockFallbacks, mockRateLimit, mockTimeout),
          testing == null ? List.of() : testing);
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
    long choices = endpoint == Endpoint.COMPLETIONS ? Math.max(n, bestOf) : n;
    if (choices > MAX_CHOICES) {
      throw GatewayException.badRequest(
          choices == n ? "n" : "best_of", "n and best_of must be at most " + MAX_CHOICES);
    }
    return new ParsedRequest(
        endpoint,
        body,
        model,
        modelStart,
        modelEnd,
        stream,
        streamOptionsStart,
        streamOptionsNull,
        streamOptionsEmpty,
        includeUsageStart,
        includeUsageEnd,
        includeUsage,
        Optional.ofNullable(user),
        maxTokens < 0 ? OptionalLong.empty() : OptionalLong.of(maxTokens),
        (int) choices,
        tags,
        images.parts,
        images.inline == 0 ? NO_RANGES : Arrays.copyOf(images.ranges, 2 * images.inline));
  }

  /** The most fallback groups a request may name. */
  static final int MAX_REQUEST_FALLBACKS = 20;

  private static List<String> readFallbacks(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw wrongType("fallbacks", "a list of model names", t);
    }
    List<String> out = new ArrayList<>();
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      String name = null;
      if (e == JsonToken.VALUE_STRING) {
        name = p.getText();
      } else if (e == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken v = p.nextToken();
          if (f.equals("model") && v == JsonToken.VALUE_STRING) {
            name = p.getText();
          } else {
            p.skipChildren();
          }
        }
      }
      if (name == null || name.isBlank() || name.length() > MAX_USER_LENGTH) {
        throw GatewayException.badRequest(
            "fallbacks", "fallbacks must be a list of model names (or {\"model\": NAME})");
      }
      if (out.size() == MAX_REQUEST_FALLBACKS) {
        throw GatewayException.badRequest(
            "fallbacks", "fallbacks may name at most " + MAX_REQUEST_FALLBACKS + " models");
      }
      out.add(name);
    }
    return out;
  }

  /**
   * {@code body} without the top-level member {@code name} whose value spans {@code [valueStart,
   * valueEnd)}, and without the comma that separated it from its neighbour.
   */
  static byte[] withoutMember(byte[] body, String name, int valueStart, int valueEnd) {
    byte[] key = ("\"" + name + "\"").getBytes(StandardCharsets.UTF_8);
    int i = skipBack(body, valueStart - 1);
    if (i < 0 || body[i] != ':') {
      throw GatewayException.badRequest(name, "could not read " + name);
    }
    i = skipBack(body, i - 1);
    int from = i - key.length + 1;
    if (from < 0 || !Arrays.equals(body, from, i + 1, key, 0, key.length)) {
      // An escaped key, such as "num\u005fretries": legal, but not worth a rewrite.
      throw GatewayException.badRequest(name, "write " + name + " without escapes");
    }
    int to = valueEnd;
    int after = skipForward(body, to);
    if (after < body.length && body[after] == ',') {
      to = after + 1;
    } else {
      int before = skipBack(body, from - 1);
      if (before >= 0 && body[before] == ',') {
        from = before;
      }
    }
    byte[] out = new byte[body.length - (to - from)];
    System.arraycopy(body, 0, out, 0, from);
    System.arraycopy(body, to, out, from, body.length - to);
    return out;
  }

  private static int skipBack(byte[] b, int i) {
    while (i >= 0 && isJsonSpace(b[i])) {
      i--;
    }
    return i;
  }

  private static int skipForward(byte[] b, int i) {
    while (i < b.length && isJsonSpace(b[i])) {
      i++;
    }
    return i;
  }

  private static boolean isJsonSpace(byte c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  /** The most choices one request may ask for; OpenAI allows 128. */
  static final int MAX_CHOICES = 128;

  /** The byte offset of the current token; the body is bytes, so it is always known. */
  private static int offset(JsonParser p) {
    long at = p.currentTokenLocation().getByteOffset();
    if (at < 0) {
      throw new IllegalStateException("the parser reads bytes, so offsets are known");
    }
    return (int) at;
  }

  /**
   * Reads the messages array from its START_ARRAY through its END_ARRAY: each message is an object
   * with a string {@code role} and a {@code content} that is a string, an array of parts or null,
   * as OpenAI requires. Everything inside is walked for images.
   */
  private static void readMessages(JsonParser p, byte[] body, Images images) throws IOException {
    int i = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
      if (t == null) {
        throw GatewayException.badRequest("messages", "messages is not a complete JSON array");
      }
      if (t != JsonToken.START_OBJECT) {
        throw wrongType("messages[" + i + "]", "an object with a role", t);
      }
      boolean role = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals("role")) {
          if (v != JsonToken.VALUE_STRING) {
            throw wrongType("messages[" + i + "].role", "a string", v);
          }
          role = true;
        } else if (name.equals("content")) {
          if (v == JsonToken.START_ARRAY) {
            walk(p, body, images);
          } else if (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL) {
            throw wrongType(
                "messages[" + i + "].content", "a string, an array of content parts or null", v);
          }
        } else if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
          walk(p, body, images);
        } else if (v == null) {
          throw GatewayException.badRequest("messages", "messages is not a complete JSON array");
        }
      }
      if (!role) {
        throw GatewayException.badRequest(
            "messages[" + i + "].role", "missing required field: messages[" + i + "].role");
      }
    }
    if (i == 0) {
      throw GatewayException.badRequest("messages", "messages must not be empty");
    }
  }

  /**
   * Reads {@code tools}: an array of objects with a string {@code type}; a {@code function} tool
   * names its function in {@code function.name}. Other tool types pass as they are.
   */
  private static void readTools(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw wrongType("tools", "an array of tools", t);
    }
    int i = 0;
    for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken(), i++) {
      String at = "tools[" + i + "]";
      if (e != JsonToken.START_OBJECT) {
        throw wrongType(at, "an object {type, function: {name, ...}}", e);
      }
      String type = null;
      boolean named = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals("type")) {
          if (v != JsonToken.VALUE_STRING) {
            throw wrongType(at + ".type", "a string", v);
          }
          type = p.getText();
        } else if (name.equals("function")) {
          if (v != JsonToken.START_OBJECT) {
            throw wrongType(at + ".function", "an object with a name", v);
          }
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken fv = p.nextToken();
            if (f.equals("name")) {
              if (fv != JsonToken.VALUE_STRING) {
                throw wrongType(at + ".function.name", "a string", fv);
              }
              named = true;
            } else {
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
      }
      if (type == null) {
        throw GatewayException.badRequest(at + ".type", "missing required field: " + at + ".type");
      }
      if (type.equals("function") && !named) {
        throw GatewayException.badRequest(
            at + ".function.name", "missing required field: " + at + ".function.name");
      }
    }
  }

  private static final int[] NO_RANGES = new int[0];

  /** What {@link #walk} counts, and where the inline images lie. */
  private static final class Images {
    int parts;
    int inline;

    /** Start and end offsets of each inline image, in order. */
    int[] ranges = NO_RANGES;

    void add(int start, int end) {
      if (inline * 2 > ranges.length) {
        ranges = Arrays.copyOf(ranges, Math.max(4, ranges.length * 2));
      }
      ranges[inline * 2 - 2] = start;
      ranges[inline * 2 - 1] = end;
    }
  }

  /**
   * The reservation's token bound of the body without its inline images, which are reserved per
   * image. One pass over the body: made only when a budget or rate limit needs it.
   */
  static long textTokenBound(ParsedRequest r) {
    byte[] body = r.body();
    int[] ranges = r.inlineRanges();
    long bound = 0;
    int from = 0;
    for (int i = 0; i < ranges.length; i += 2) {
      bound += TokenBound.of(body, from, ranges[i]);
      from = ranges[i + 1];
    }
    return bound + TokenBound.of(body, from, body.length);
  }

  private static final byte[] DATA_IMAGE = "\"data:image/".getBytes(StandardCharsets.US_ASCII);

  /** The same with its slash escaped, as some JSON encoders write it. */
  private static final byte[] DATA_IMAGE_ESCAPED =
      "\"data:image\\/".getBytes(StandardCharsets.US_ASCII);

  /**
   * Reads an object or array from its START token through its END, as skipping it would, counting
   * the {@code image_url} parts and the bytes of inline ({@code data:image/...}) image URLs. A
   * string's length is taken from where the next token starts, so it is never decoded.
   */
  private static void walk(JsonParser p, byte[] body, Images images) throws IOException {
    int depth = -1;
    @Nullable String field = null;
    int inlineStart = -1;
    for (JsonToken t = p.currentToken(); ; t = p.nextToken()) {
      if (t == null) {
        throw GatewayException.badRequest("messages", "messages is not a complete JSON array");
      }
      if (inlineStart >= 0) {
        int end = offset(p);
        images.add(inlineStart, end);
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
            int at = offset(p);
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

  private static boolean startsWith(byte[] body, int at, byte[] prefix) {
    return at + prefix.length <= body.length
        && Arrays.equals(body, at, at + prefix.length, prefix, 0, prefix.length);
  }

  /**
   * Reads {@code metadata.tags}; the parser is on the metadata object's START_OBJECT. Whether the
   * object holds a key that LiteLLM reads for itself ({@link #isLiteLlmMetadata}).
   */
  private static boolean readTags(JsonParser p, List<String> tags) throws IOException {
    boolean consumed = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      if (!name.equals("tags")) {
        consumed |= isLiteLlmMetadata(name);
        p.skipChildren();
        continue;
      }
      consumed = true;
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
        addTag(tags, p.getText(), "metadata.tags");
      }
    }
    return consumed;
  }

  /**
   * The {@code metadata} keys that LiteLLM reads or fills for itself (tags, spend-log metadata, the
   * key's details, fallback switches) and never sends to a provider; OpenAI refuses most of them,
   * since its metadata values must be strings.
   */
  static boolean isLiteLlmMetadata(String key) {
    return switch (key) {
      case "tags",
          "spend_logs_metadata",
          "requester_metadata",
          "disable_fallbacks",
          "headers",
          "endpoint",
          "model_group",
          "deployment",
          "model_info",
          "caching_groups",
          "previous_models" ->
          true;
      default -> key.startsWith("user_api_key") || key.startsWith("litellm_");
    };
  }

  /** Offset just past the value that starts at {@code start}; the parser is on its first token. */
  private static int valueEnd(JsonParser p, JsonToken t, byte[] body, int start)
      throws IOException {
    return switch (t) {
      case START_OBJECT, START_ARRAY -> {
        p.skipChildren();
        yield offset(p) + 1;
      }
      case VALUE_STRING -> endOfString(body, start);
      default -> start + p.getText().length();
    };
  }

  /**
   * The top-level members to take out of a body (LiteLLM's own fields), in body order; {@code
   * metadata} is rewritten without LiteLLM's keys instead, and taken out when nothing is left.
   */
  private static final class Cuts {
    private final List<String> names = new ArrayList<>(2);
    private final List<int[]> ranges = new ArrayList<>(2);

    static Cuts add(@Nullable Cuts cuts, String name, int valueStart, int valueEnd) {
      Cuts c = cuts == null ? new Cuts() : cuts;
      c.names.add(name);
      c.ranges.add(new int[] {valueStart, valueEnd});
      return c;
    }

    /** {@code body} with every cut made, from the last so that earlier offsets stay valid. */
    byte[] applyTo(byte[] body) {
      byte[] out = body;
      for (int i = names.size() - 1; i >= 0; i--) {
        String name = names.get(i);
        int[] r = ranges.get(i);
        byte[] kept = name.equals("metadata") ? keptMetadata(out, r[0], r[1]) : null;
        if (kept == null) {
          out = withoutMember(out, name, r[0], r[1]);
        } else {
          byte[] next = new byte[out.length - (r[1] - r[0]) + kept.length];
          System.arraycopy(out, 0, next, 0, r[0]);
          System.arraycopy(kept, 0, next, r[0], kept.length);
          System.arraycopy(out, r[1], next, r[0] + kept.length, out.length - r[1]);
          out = next;
        }
      }
      return out;
    }

    /** The metadata object without LiteLLM's keys, or null when none is left. */
    private static byte @Nullable [] keptMetadata(byte[] body, int from, int to) {
      try {
        com.fasterxml.jackson.databind.node.ObjectNode m =
            (com.fasterxml.jackson.databind.node.ObjectNode)
                Json.MAPPER.readTree(body, from, to - from);
        m.properties().removeIf(e -> isLiteLlmMetadata(e.getKey()));
        return m.isEmpty() ? null : Json.MAPPER.writeValueAsBytes(m);
      } catch (IOException e) {
        throw new IllegalStateException("metadata was parsed once already", e);
      }
    }
  }

  /**
   * Adds a tag, stripped, unless it is empty or already there; refuses one longer than {@link
   * #MAX_TAG_LENGTH} or beyond {@link #MAX_TAGS}, naming {@code param}.
   */
  static void addTag(List<String> tags, String raw, String param) {
    String tag = raw.strip();
    if (tag.isEmpty() || tags.contains(tag)) {
      return;
    }
    if (tag.length() > MAX_TAG_LENGTH) {
      throw GatewayException.badRequest(
          param, "a tag must be at most " + MAX_TAG_LENGTH + " characters");
    }
    if (tags.size() >= MAX_TAGS) {
      throw GatewayException.badRequest(param, "a request may carry at most " + MAX_TAGS + " tags");
    }
    tags.add(tag);
  }

  static GatewayException tooLong(String param, int max) {
    return GatewayException.badRequest(param, param + " must be at most " + max + " characters");
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

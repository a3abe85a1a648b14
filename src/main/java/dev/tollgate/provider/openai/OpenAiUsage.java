package dev.tollgate.provider.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads OpenAI's {@code usage} object into a normalised {@link Usage}: {@code prompt_tokens}
 * includes cached tokens, which are split out so that nothing is counted twice. The Responses API
 * names the same counts {@code input_tokens} and {@code output_tokens} (with {@code
 * input_tokens_details} and {@code output_tokens_details}), with the same meaning, so both
 * spellings are read: an answer is read without knowing which endpoint it came from. The cache
 * counts of OpenAI-compatible providers are read too, each part of {@code prompt_tokens}:
 * DeepSeek's {@code prompt_cache_hit_tokens} (its {@code prompt_cache_miss_tokens} are the rest),
 * and OpenRouter's {@code prompt_tokens_details.cache_write_tokens}, billed at the cache-write
 * rate. Stateless.
 */
final class OpenAiUsage {
  private OpenAiUsage() {}

  private static final byte[] USAGE = {'u', 's', 'a', 'g', 'e'};
  private static final byte[] RESPONSE = {'r', 'e', 's', 'p', 'o', 'n', 's', 'e'};

  /**
   * The top-level {@code usage} of a response or chunk, if present and not null. The top level is
   * walked by a byte scanner that only tracks strings and nesting (most of a response is the
   * generated text, which needs no decoding); the usage object alone goes to Jackson.
   */
  static Optional<Usage> find(byte[] json) {
    return usageAt(json, topLevelValue(json, USAGE));
  }

  /**
   * The {@code response.usage} of a Responses API stream event, such as {@code response.completed},
   * if present and not null.
   */
  static Optional<Usage> findInResponse(byte[] json) {
    int response = topLevelValue(json, RESPONSE);
    if (response < 0 || json[response] != '{') {
      return Optional.empty();
    }
    return usageAt(json, valueIn(json, response, USAGE));
  }

  /** Reads the usage object starting at {@code start}, or nothing if there is none there. */
  private static Optional<Usage> usageAt(byte[] json, int start) {
    if (start < 0 || json[start] != '{') {
      return Optional.empty();
    }
    try (JsonParser p = Json.FACTORY.createParser(json, start, json.length - start)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      return Optional.of(read(p));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Where the value of the top-level field {@code key} starts, or -1 when the document is not an
   * object, has no such field, or is malformed before reaching it. Keys with escapes never match.
   */
  static int topLevelValue(byte[] j, byte[] key) {
    return valueIn(j, ws(j, 0), key);
  }

  /**
   * Where the value of field {@code key} of the object whose opening brace is at {@code i} starts,
   * or -1 as for {@link #topLevelValue}.
   */
  static int valueIn(byte[] j, int i, byte[] key) {
    if (i >= j.length || j[i] != '{') {
      return -1;
    }
    i = ws(j, i + 1);
    while (i < j.length && j[i] == '"') {
      int keyStart = i + 1;
      int keyEnd = endOfString(j, i) - 1;
      if (keyEnd < keyStart) {
        return -1;
      }
      i = ws(j, keyEnd + 1);
      if (i >= j.length || j[i] != ':') {
        return -1;
      }
      int value = ws(j, i + 1);
      if (keyEnd - keyStart == key.length
          && java.util.Arrays.equals(j, keyStart, keyEnd, key, 0, key.length)) {
        return value < j.length ? value : -1;
      }
      i = ws(j, skipValue(j, value));
      if (i >= j.length || j[i] != ',') {
        return -1;
      }
      i = ws(j, i + 1);
    }
    return -1;
  }

  /** Whether the top-level field {@code key} is absent, or an empty array. */
  static boolean isAbsentOrEmptyArray(byte[] j, byte[] key) {
    int v = topLevelValue(j, key);
    return v < 0 || (j[v] == '[' && ws(j, v + 1) < j.length && j[ws(j, v + 1)] == ']');
  }

  /** The offset just past the value starting at {@code i}, or {@code j.length} if it never ends. */
  private static int skipValue(byte[] j, int i) {
    if (i >= j.length) {
      return j.length;
    }
    byte b = j[i];
    if (b == '"') {
      return endOfString(j, i);
    }
    if (b == '{' || b == '[') {
      int depth = 0;
      while (i < j.length) {
        byte c = j[i];
        if (c == '"') {
          i = endOfString(j, i);
          continue;
        }
        if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          depth--;
          if (depth == 0) {
            return i + 1;
          }
        }
        i++;
      }
      return j.length;
    }
    while (i < j.length && j[i] != ',' && j[i] != '}' && j[i] != ']' && !isWs(j[i])) {
      i++;
    }
    return i;
  }

  /** The offset just past the closing quote of the string whose opening quote is at {@code i}. */
  private static int endOfString(byte[] j, int i) {
    for (int k = i + 1; k < j.length; k++) {
      if (j[k] == '\\') {
        k++;
      } else if (j[k] == '"') {
        return k + 1;
      }
    }
    return j.length;
  }

  private static int ws(byte[] j, int i) {
    while (i < j.length && isWs(j[i])) {
      i++;
    }
    return i;
  }

  private static boolean isWs(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  /** Reads a usage object; the parser is on its START_OBJECT. */
  private static Usage read(JsonParser p) throws IOException {
    long prompt = 0;
    long completion = 0;
    long cached = 0;
    long reasoning = 0;
    long audioIn = 0;
    long audioOut = 0;
    long cacheHit = 0;
    long cacheWrite = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      switch (name) {
        case "prompt_tokens", "input_tokens" -> prompt = count(p, t);
        case "completion_tokens", "output_tokens" -> completion = count(p, t);
        case "prompt_cache_hit_tokens" -> cacheHit = count(p, t);
        case "prompt_tokens_details", "input_tokens_details" -> {
          if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String d = p.currentName();
              JsonToken dt = p.nextToken();
              switch (d) {
                case "cached_tokens" -> cached = count(p, dt);
                case "cache_write_tokens" -> cacheWrite = count(p, dt);
                case "audio_tokens" -> audioIn = count(p, dt);
                default -> p.skipChildren();
              }
            }
          }
        }
        case "completion_tokens_details", "output_tokens_details" -> {
          if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String d = p.currentName();
              JsonToken dt = p.nextToken();
              switch (d) {
                case "reasoning_tokens" -> reasoning = count(p, dt);
                case "audio_tokens" -> audioOut = count(p, dt);
                default -> p.skipChildren();
              }
            }
          }
        }
        default -> p.skipChildren();
      }
    }
    cached = Math.min(Math.max(cached, cacheHit), prompt);
    cacheWrite = Math.min(cacheWrite, prompt - cached);
    long uncached = prompt - cached - cacheWrite;
    return new Usage(
        uncached,
        completion,
        cached,
        cacheWrite,
        0,
        Math.min(reasoning, completion),
        Math.min(audioIn, uncached),
        Math.min(audioOut, completion),
        0,
        0);
  }

  private static long count(JsonParser p, JsonToken t) throws IOException {
    return t == JsonToken.VALUE_NUMBER_INT ? Math.max(0, p.getLongValue()) : 0;
  }
}

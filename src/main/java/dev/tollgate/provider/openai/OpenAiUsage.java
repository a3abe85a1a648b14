package dev.tollgate.provider.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads OpenAI's {@code usage} object into a normalised {@link Usage}: {@code prompt_tokens}
 * includes cached tokens, which are split out so that nothing is counted twice. Stateless.
 */
final class OpenAiUsage {
  private OpenAiUsage() {}

  /** The top-level {@code usage} of a response or chunk, if present and not null. */
  static Optional<Usage> find(byte[] json) {
    try (JsonParser p = Json.FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (name.equals("usage") && t == JsonToken.START_OBJECT) {
          return Optional.of(read(p));
        }
        p.skipChildren();
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Reads a usage object; the parser is on its START_OBJECT. */
  private static Usage read(JsonParser p) throws IOException {
    long prompt = 0;
    long completion = 0;
    long cached = 0;
    long reasoning = 0;
    long audioIn = 0;
    long audioOut = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      switch (name) {
        case "prompt_tokens" -> prompt = count(p, t);
        case "completion_tokens" -> completion = count(p, t);
        case "prompt_tokens_details" -> {
          if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String d = p.currentName();
              JsonToken dt = p.nextToken();
              switch (d) {
                case "cached_tokens" -> cached = count(p, dt);
                case "audio_tokens" -> audioIn = count(p, dt);
                default -> p.skipChildren();
              }
            }
          }
        }
        case "completion_tokens_details" -> {
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
    cached = Math.min(cached, prompt);
    return new Usage(
        prompt - cached,
        completion,
        cached,
        0,
        0,
        Math.min(reasoning, completion),
        Math.min(audioIn, prompt - cached),
        Math.min(audioOut, completion),
        0,
        0);
  }

  private static long count(JsonParser p, JsonToken t) throws IOException {
    return t == JsonToken.VALUE_NUMBER_INT ? Math.max(0, p.getLongValue()) : 0;
  }
}

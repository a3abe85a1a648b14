package dev.tollgate.tracing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.common.Json;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an answer in OpenAI's shape for the span: its {@code id}, {@code model} and each choice's
 * {@code finish_reason}, skipping everything else (the text is never read into a string). Runs only
 * when tracing is on.
 */
final class AnswerFields {
  private AnswerFields() {}

  /** Sets what {@code answer} names on {@code span}; an answer it cannot read sets nothing. */
  static void read(byte[] answer, Span span) {
    try (JsonParser p = Json.FACTORY.createParser(answer)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      List<String> reasons = new ArrayList<>(1);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.VALUE_STRING && "id".equals(name)) {
          span.setAttribute(Keys.RESPONSE_ID, p.getText());
        } else if (value == JsonToken.VALUE_STRING && "model".equals(name)) {
          span.setAttribute(Keys.RESPONSE_MODEL, p.getText());
        } else if (value == JsonToken.START_ARRAY && "choices".equals(name)) {
          choices(p, reasons);
        } else {
          p.skipChildren();
        }
      }
      if (!reasons.isEmpty()) {
        span.setAttribute(Keys.FINISH_REASONS, reasons);
      }
    } catch (IOException e) {
      // Not an answer in OpenAI's shape: the span goes without these attributes.
    }
  }

  private static void choices(JsonParser p, List<String> reasons) throws IOException {
    while (p.nextToken() == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.VALUE_STRING && "finish_reason".equals(name)) {
          reasons.add(p.getText());
        } else {
          p.skipChildren();
        }
      }
    }
  }
}

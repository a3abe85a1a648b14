package dev.tollgate.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.KeyValuePair;

/** Formats one log event as one line of JSON. Pure and thread-safe. */
final class JsonLine {
  private JsonLine() {}

  /**
   * The event as a JSON object followed by a newline: {@code time}, {@code level}, {@code logger},
   * {@code thread}, {@code message}, then each key-value pair as a field, then {@code exception}
   * when there is one. Integral numbers and booleans stay JSON numbers and booleans; every other
   * value is its {@code toString}.
   */
  static String format(
      Instant time,
      String level,
      String logger,
      String thread,
      String message,
      List<KeyValuePair> fields,
      @Nullable Throwable error) {
    StringBuilder b = new StringBuilder(160 + message.length());
    b.append("{\"time\":\"").append(time).append('"');
    field(b, "level", level);
    field(b, "logger", logger);
    field(b, "thread", thread);
    field(b, "message", message);
    for (KeyValuePair kv : fields) {
      b.append(",\"");
      escape(b, kv.key);
      b.append("\":");
      value(b, kv.value);
    }
    if (error != null) {
      b.append(",\"exception\":{\"class\":\"").append(error.getClass().getName()).append('"');
      String m = error.getMessage();
      if (m != null) {
        field(b, "message", m);
      }
      field(b, "stack", stack(error));
      b.append('}');
    }
    return b.append("}\n").toString();
  }

  private static void field(StringBuilder b, String name, String value) {
    b.append(",\"").append(name).append("\":\"");
    escape(b, value);
    b.append('"');
  }

  private static void value(StringBuilder b, @Nullable Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
      b.append(v);
    } else if (v instanceof Boolean bool) {
      b.append(bool.booleanValue());
    } else {
      b.append('"');
      escape(b, text(v));
      b.append('"');
    }
  }

  /** {@code v.toString()}, or a note saying it threw. */
  static String text(@Nullable Object v) {
    try {
      return String.valueOf(v);
    } catch (RuntimeException e) {
      return "[toString() failed: " + e.getClass().getName() + "]";
    }
  }

  private static String stack(Throwable error) {
    StringWriter w = new StringWriter();
    error.printStackTrace(new PrintWriter(w));
    String s = w.toString();
    return s.endsWith(System.lineSeparator())
        ? s.substring(0, s.length() - System.lineSeparator().length())
        : s;
  }

  /**
   * Appends {@code s} escaped for a JSON string: quotes, backslashes and control characters, and
   * the line separators and lone surrogates that some readers choke on, as {@code \\uXXXX}.
   */
  static void escape(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029' || c == 0x7f) {
            unicode(b, c);
          } else if (Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            b.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            unicode(b, c);
          } else {
            b.append(c);
          }
        }
      }
    }
  }

  private static void unicode(StringBuilder b, char c) {
    b.append("\\u");
    String hex = Integer.toHexString(c);
    b.append("0".repeat(4 - hex.length())).append(hex);
  }
}

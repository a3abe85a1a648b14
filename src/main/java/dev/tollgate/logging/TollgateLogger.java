package dev.tollgate.logging;

import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NormalizedParameters;
import org.slf4j.simple.SimpleLogger;
import org.slf4j.spi.LoggingEventAware;

/**
 * slf4j-simple's logger, with its levels and text lines, that writes JSON lines instead while
 * {@link JsonLogs} is on, and keeps the key-value pairs of the fluent API ({@code
 * addKeyValue("request_id", id)}): as {@code key=value} before the message in text, as fields in
 * JSON. A disabled level costs what it costs in slf4j-simple; the JSON check comes after it.
 * Thread-safe; never throws to its caller.
 */
final class TollgateLogger extends SimpleLogger implements LoggingEventAware {
  private static final long serialVersionUID = 1L;

  TollgateLogger(String name) {
    super(name);
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level,
      @Nullable Marker marker,
      String pattern,
      Object @Nullable [] args,
      @Nullable Throwable error) {
    if (JsonLogs.enabled()) {
      json(level, pattern, args, List.of(), error);
    } else {
      super.handleNormalizedLoggingCall(level, marker, pattern, args, error);
    }
  }

  @Override
  public void log(LoggingEvent event) {
    if (!isLevelEnabled(event.getLevel().toInt())) {
      return;
    }
    NormalizedParameters p = NormalizedParameters.normalize(event);
    List<KeyValuePair> kvs = event.getKeyValuePairs();
    if (JsonLogs.enabled()) {
      json(
          event.getLevel(),
          p.getMessage(),
          p.getArguments(),
          kvs == null ? List.of() : kvs,
          p.getThrowable());
      return;
    }
    String message = MessageFormatter.basicArrayFormat(p.getMessage(), p.getArguments());
    if (kvs != null && !kvs.isEmpty()) {
      StringBuilder b = new StringBuilder();
      for (KeyValuePair kv : kvs) {
        b.append(kv.key).append('=').append(JsonLine.text(kv.value)).append(' ');
      }
      message = b.append(message).toString();
    }
    super.handleNormalizedLoggingCall(event.getLevel(), null, message, null, p.getThrowable());
  }

  private void json(
      Level level,
      @Nullable String pattern,
      Object @Nullable [] args,
      List<KeyValuePair> kvs,
      @Nullable Throwable error) {
    PrintStream err = System.err;
    String line;
    try {
      String message = pattern == null ? "" : MessageFormatter.basicArrayFormat(pattern, args);
      line =
          JsonLine.format(
              Instant.now(),
              level.toString(),
              getName(),
              Thread.currentThread().getName(),
              message == null ? "" : message,
              kvs,
              error);
    } catch (Throwable e) {
      // A log call may sit in an event-loop callback: whatever went wrong, it must not throw there.
      line = fallback(level, e);
    }
    err.print(line);
    err.flush();
  }

  private String fallback(Level level, Throwable e) {
    StringBuilder b = new StringBuilder("{\"time\":\"").append(Instant.now()).append('"');
    b.append(",\"level\":\"").append(level).append("\",\"logger\":\"");
    JsonLine.escape(b, getName());
    b.append("\",\"message\":\"log line could not be formatted: ");
    JsonLine.escape(b, e.getClass().getName());
    return b.append("\"}\n").toString();
  }
}

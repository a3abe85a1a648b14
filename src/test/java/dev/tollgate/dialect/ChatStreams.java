package dev.tollgate.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** OpenAI chat streams as providers relay them, and the parsing of a client API's SSE output. */
public final class ChatStreams {
  private ChatStreams() {}

  public static final String DONE = "data: [DONE]\n\n";

  /** One {@code chat.completion.chunk} event with {@code delta} and {@code finish_reason}. */
  public static String chunk(String id, String delta, @Nullable String finishReason) {
    return "data: {\"id\":\""
        + id
        + "\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,"
        + "\"model\":\"gpt-4.1-2025-04-14\",\"service_tier\":\"default\","
        + "\"system_fingerprint\":\"fp_c1fb89028d\",\"choices\":[{\"index\":0,\"delta\":"
        + delta
        + ",\"logprobs\":null,\"finish_reason\":"
        + (finishReason == null ? "null" : "\"" + finishReason + "\"")
        + "}],\"usage\":null}\n\n";
  }

  /** The usage-only chunk that {@code stream_options.include_usage} adds before [DONE]. */
  public static String usageChunk(String id, String usage) {
    return "data: {\"id\":\""
        + id
        + "\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,"
        + "\"model\":\"gpt-4.1-2025-04-14\",\"service_tier\":\"default\","
        + "\"system_fingerprint\":\"fp_c1fb89028d\",\"choices\":[],\"usage\":"
        + usage
        + "}\n\n";
  }

  /** Feeds {@code stream} cut at {@code cuts} (ascending offsets), then ends it. */
  public static String feed(StreamEncoder encoder, String stream, int... cuts) {
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    Buffer out = Buffer.buffer();
    int from = 0;
    for (int cut : cuts) {
      out.appendBuffer(encoder.encode(Buffer.buffer().appendBytes(bytes, from, cut - from)));
      from = cut;
    }
    out.appendBuffer(encoder.encode(Buffer.buffer().appendBytes(bytes, from, bytes.length - from)));
    out.appendBuffer(encoder.end());
    return out.toString(StandardCharsets.UTF_8);
  }

  /** One server-sent event: its {@code event:} name (empty if none) and its JSON data. */
  public record Event(String name, JsonNode data) {
    public String type() {
      return data.path("type").asText();
    }
  }

  /** Parses SSE text into events; every event must be {@code event:} then one {@code data:}. */
  public static List<Event> parse(String sse) {
    List<Event> events = new ArrayList<>();
    if (!sse.isEmpty() && !sse.endsWith("\n\n")) {
      throw new AssertionError("stream does not end with a whole event: " + sse);
    }
    for (String block : sse.split("\n\n")) {
      if (block.isEmpty()) {
        continue;
      }
      String name = "";
      String data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else {
          throw new AssertionError("unexpected line '" + line + "' in " + block);
        }
      }
      if (data == null) {
        throw new AssertionError("event without data: " + block);
      }
      events.add(new Event(name, json(data)));
    }
    return events;
  }

  public static JsonNode json(String s) {
    try {
      return Json.MAPPER.readTree(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode json(byte[] b) {
    try {
      return Json.MAPPER.readTree(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

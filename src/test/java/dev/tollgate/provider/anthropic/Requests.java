package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.proxy.ParsedRequests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Builds the calls the Anthropic tests send, as the request path would make them. */
final class Requests {
  private Requests() {}

  static final String MODEL = "claude-haiku-4-5";

  static LitellmParams params(Optional<String> apiBase, Map<String, Object> extra) {
    return new LitellmParams(
        "anthropic/" + MODEL,
        "anthropic",
        MODEL,
        apiBase,
        Optional.of("sk-ant-test-secret"),
        Optional.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        OptionalInt.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        1,
        Map.of(),
        extra);
  }

  /** A chat call of {@code json} to a deployment at {@code apiBase}. */
  static UpstreamRequest chat(String json, Optional<String> apiBase, OptionalLong maxOutput) {
    return new UpstreamRequest(
        ParsedRequests.parse(Endpoint.CHAT, json),
        "d1",
        params(apiBase, Map.of()),
        10_000,
        new Cancellation(),
        maxOutput);
  }

  static UpstreamRequest chat(String json) {
    return chat(json, Optional.empty(), OptionalLong.empty());
  }

  /**
   * A native Messages call of {@code json}, parsed here: only the fields the format reads (the
   * model's position, stream) matter to it.
   */
  static UpstreamRequest messages(String json, Optional<String> apiBase) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    JsonNode tree = tree(body);
    int key = json.indexOf("\"model\"");
    int start = json.indexOf('"', json.indexOf(':', key) + 1);
    int end = json.indexOf('"', start + 1) + 1;
    ParsedRequest parsed =
        new ParsedRequest(
            Endpoint.MESSAGES,
            body,
            tree.path("model").asText(),
            start,
            end,
            tree.path("stream").asBoolean(false),
            -1,
            false,
            true,
            -1,
            -1,
            false,
            Optional.empty(),
            tree.has("max_tokens")
                ? OptionalLong.of(tree.path("max_tokens").asLong())
                : OptionalLong.empty(),
            1,
            List.of(),
            0,
            new int[0]);
    return new UpstreamRequest(
        parsed, "d1", params(apiBase, Map.of()), 10_000, new Cancellation(), OptionalLong.empty());
  }

  static JsonNode tree(byte[] json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode tree(String json) {
    return tree(json.getBytes(StandardCharsets.UTF_8));
  }
}

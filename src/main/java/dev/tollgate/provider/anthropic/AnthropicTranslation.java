package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.io.IOException;
import java.util.OptionalLong;

/**
 * The Anthropic translation of an OpenAI chat, for another wire that carries the Messages API:
 * Claude on Vertex AI takes the same request, without {@code model} (the URL names it) and with
 * {@code anthropic_version} in the body, and answers and streams as Anthropic does. Stateless; runs
 * on the caller's event loop and never blocks.
 */
public final class AnthropicTranslation {
  private AnthropicTranslation() {}

  /**
   * The Messages request for a chat request, with {@code anthropic_version} set to {@code version}
   * and no {@code model}, as Vertex AI's {@code rawPredict} takes it.
   */
  public static Buffer bodyWithoutModel(UpstreamRequest up, String version) {
    try {
      ObjectNode body = (ObjectNode) Json.MAPPER.readTree(AnthropicRequest.fromChat(up));
      body.remove("model");
      ObjectNode out = Json.MAPPER.createObjectNode().put("anthropic_version", version);
      out.setAll(body);
      return Buffer.buffer(Json.MAPPER.writeValueAsBytes(out));
    } catch (JsonProcessingException e) {
      throw GatewayException.internal("could not write the Anthropic request", e);
    } catch (IOException e) {
      throw GatewayException.internal("could not read the Anthropic request", e);
    }
  }

  /**
   * A client's own Messages request as {@code rawPredict} takes it: without {@code model}, which
   * the URL names, and with {@code anthropic_version} set to {@code version} unless the client set
   * it.
   */
  public static Buffer nativeBodyWithoutModel(byte[] body, String version) {
    try {
      ObjectNode in = (ObjectNode) Json.MAPPER.readTree(body);
      in.remove("model");
      ObjectNode out = Json.MAPPER.createObjectNode();
      if (!in.has("anthropic_version")) {
        out.put("anthropic_version", version);
      }
      out.setAll(in);
      return Buffer.buffer(Json.MAPPER.writeValueAsBytes(out));
    } catch (JsonProcessingException e) {
      throw GatewayException.badRequest(null, "the Messages request could not be read");
    } catch (IOException e) {
      throw GatewayException.internal("could not read the Messages request", e);
    }
  }

  /** A Messages answer for a client that spoke the Messages API: the body as it is, and usage. */
  public static UpstreamResponse nativeAnswer(int status, MultiMap headers, byte[] body) {
    String type = headers.get(HttpHeaders.CONTENT_TYPE);
    return new UpstreamResponse(
        status, type == null ? "application/json" : type, body, AnthropicAnswer.usageOf(body));
  }

  /** The relay of a Messages stream for a client that spoke the Messages API: byte for byte. */
  public static StreamRelay nativeRelay(SseSink sink) {
    return new AnthropicPassThrough(sink);
  }

  /** A Messages answer as a {@code chat.completion}. */
  public static UpstreamResponse chatAnswer(
      UpstreamRequest up, int status, byte[] body, long created) {
    return AnthropicAnswer.toChat(
        status, body, AnthropicRequest.jsonMode(up.request().body()), created);
  }

  /** Anthropic's error answer (or a status alone) as the client's error. */
  public static GatewayException error(int status, byte[] body) {
    return AnthropicErrors.fromAnswer(status, body);
  }

  /** The relay of a Messages stream as chat chunks. */
  public static StreamRelay relay(UpstreamRequest up, SseSink sink, long created) {
    return new AnthropicStream(
        sink,
        up.request().includeUsage(),
        AnthropicRequest.jsonMode(up.request().body()),
        created,
        up.params().providerModel());
  }

  /** The {@code max_tokens} a chat that sets none is sent with; see {@link AnthropicWire}. */
  public static OptionalLong impliedMaxTokens(ParsedRequest chat, OptionalLong largest) {
    return OptionalLong.of(AnthropicRequest.impliedMaxTokens(chat, largest));
  }
}

package dev.tollgate.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.RateKey;
import dev.tollgate.pricing.Units;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.openai.OpenAiContent;
import dev.tollgate.routing.Deployment;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The units a deployment priced by another unit than tokens is billed by (docs/pricing.md, "Priced
 * by another unit"), measured by the gateway since no provider reports them: the upstream call's
 * time, one query, the characters of the prompt and of the completion, the request's images. Only
 * deployments whose price needs them get here ({@link Units#measured}); for the rest the request
 * path pays one check. Stateless; runs on the event loop (reading characters parses the request and
 * the answer once more, only for per-character prices).
 */
final class MeasuredUnits {
  /**
   * Completion characters reserved per output token of the reservation: English text averages about
   * four characters a token in every tokenizer the catalog's per-character models use.
   */
  static final long CHARACTERS_PER_TOKEN = 4;

  private MeasuredUnits() {}

  /** Whether the characters of a request to {@code endpoint} can be counted. */
  static boolean textCounted(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT
        || endpoint == Endpoint.COMPLETIONS
        || endpoint == Endpoint.EMBEDDINGS;
  }

  /**
   * The 400 for a request that {@code d}'s price cannot bill, naming the deployment and the unit;
   * null when it can be billed.
   */
  static @Nullable GatewayException refusal(Deployment d, ParsedRequest req, String group) {
    Optional<RateKey> unit =
        Units.unbillable(d.price(), textCounted(req.endpoint()), req.imageParts());
    if (unit.isEmpty()) {
      return null;
    }
    return GatewayException.badRequest(
        "model",
        "deployment "
            + d.id()
            + " of model group '"
            + group
            + "' is priced only by "
            + unit.get().liteLlmName()
            + ", and a "
            + req.endpoint().path()
            + " request "
            + (unit.get() == RateKey.OUTPUT_IMAGE
                ? "generates no image (Tollgate has no image generation endpoint)"
                : unit.get() == RateKey.INPUT_IMAGE ? "without images" : "has no text to count")
            + ", so it cannot be billed; add token rates to the deployment's pricing");
  }

  /**
   * The units the reservation holds: the deployment's timeout for per-second prices, one query, the
   * body's bytes (at least its characters) for prompt characters, {@value #CHARACTERS_PER_TOKEN}
   * characters per reserved output token, and the request's images.
   */
  static Usage bound(Price price, ParsedRequest req, long timeoutMillis, long outputTokens) {
    return Usage.NONE.withMeasured(
        Units.countsInputImages(price) ? req.imageParts() : 0,
        Units.has(price, RateKey.INPUT_SECOND) || Units.has(price, RateKey.OUTPUT_SECOND)
            ? timeoutMillis
            : 0,
        Units.has(price, RateKey.INPUT_CHARACTER) ? req.body().length : 0,
        Units.has(price, RateKey.OUTPUT_CHARACTER)
            ? saturatedProduct(outputTokens, CHARACTERS_PER_TOKEN)
            : 0,
        Units.has(price, RateKey.PER_QUERY) ? 1 : 0);
  }

  /** {@code usage} with the units {@code price} counts measured for the request that used it. */
  static Usage measure(
      Price price,
      Usage usage,
      ParsedRequest req,
      long millis,
      @Nullable Relayed relayed,
      byte @Nullable [] answer) {
    long inChars = 0;
    long outChars = 0;
    if (Units.has(price, RateKey.INPUT_CHARACTER)) {
      inChars = promptCharacters(req);
    }
    if (Units.has(price, RateKey.OUTPUT_CHARACTER)) {
      outChars = completionCharacters(relayed, answer);
    }
    return usage.withMeasured(
        Units.countsInputImages(price) ? req.imageParts() : 0,
        Units.has(price, RateKey.INPUT_SECOND) || Units.has(price, RateKey.OUTPUT_SECOND)
            ? Math.max(millis, 0)
            : 0,
        inChars,
        outChars,
        Units.has(price, RateKey.PER_QUERY) ? 1 : 0);
  }

  /**
   * Characters of the prompt's text, as LiteLLM counts them for per-character prices: the text of
   * the messages (string contents and text parts) of a chat, the prompt of a completion, the input
   * of an embedding; nothing else (roles, tool definitions, images).
   */
  static long promptCharacters(ParsedRequest req) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(req.body());
    } catch (IOException e) {
      return 0; // the request parser accepted it; unreachable
    }
    long n = 0;
    switch (req.endpoint()) {
      case CHAT -> {
        for (JsonNode m : root.path("messages")) {
          JsonNode content = m.path("content");
          if (content.isArray()) {
            for (JsonNode part : content) {
              n += characters(part.path("text"));
            }
          } else {
            n += characters(content);
          }
        }
      }
      case COMPLETIONS -> n += characters(root.path("prompt"));
      case EMBEDDINGS -> n += characters(root.path("input"));
      default -> {}
    }
    return n;
  }

  /** Characters of a string, or of the strings of an array; 0 for anything else. */
  private static long characters(JsonNode v) {
    if (v.isTextual()) {
      String s = v.asText();
      return s.codePointCount(0, s.length());
    }
    long n = 0;
    if (v.isArray()) {
      for (JsonNode e : v) {
        if (e.isTextual()) {
          n += e.asText().codePointCount(0, e.asText().length());
        }
      }
    }
    return n;
  }

  /** Characters of the completion's text and reasoning, relayed or answered. */
  private static long completionCharacters(@Nullable Relayed relayed, byte @Nullable [] answer) {
    StringBuilder out = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    if (relayed != null) {
      for (Buffer b : relayed.kept()) {
        OpenAiContent.streamed(b, out, reasoning);
      }
    } else if (answer != null) {
      OpenAiContent.answer(answer, out, reasoning);
    }
    long chars = out.codePoints().count() + reasoning.codePoints().count();
    if (relayed != null && relayed.droppedBytes() > 0 && relayed.keptBytes() > 0) {
      // Past the cap the events were counted, not kept: scale by bytes, rounding up.
      long total = relayed.keptBytes() + relayed.droppedBytes();
      chars = (chars * total + relayed.keptBytes() - 1) / relayed.keptBytes();
    }
    return chars;
  }

  private static long saturatedProduct(long a, long b) {
    return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
  }
}

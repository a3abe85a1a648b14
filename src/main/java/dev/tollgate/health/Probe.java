package dev.tollgate.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.proxy.RequestParser;
import dev.tollgate.routing.Deployment;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The request one health check sends, as LiteLLM sends it: a one-line chat message with a small
 * {@code max_tokens} (16, or {@code model_info.health_check_max_tokens}); a text completion of the
 * same prompt for {@code model_info.mode: completion}; one short input for {@code mode: embedding}.
 * {@code model_info.health_check_model} replaces the model sent. Immutable.
 *
 * @param params the deployment's params, with the model sent
 * @param request the body, parsed as the request path parses a client's
 * @param timeoutMillis how long the check may take
 * @param maxTokens the output bound sent; empty for an embedding
 */
record Probe(
    LitellmParams params, ParsedRequest request, long timeoutMillis, OptionalLong maxTokens) {
  /** LiteLLM's {@code HEALTH_CHECK_TIMEOUT_SECONDS}: 60 s. */
  static final long DEFAULT_TIMEOUT_MILLIS = 60_000;

  /** LiteLLM's {@code max_tokens} for a chat check. */
  static final long DEFAULT_MAX_TOKENS = 16;

  static final String PROMPT = "What's 1 + 1?";
  static final String EMBEDDING_INPUT = "health check";

  /** The probe of {@code d}; a mode Tollgate cannot check is a 501 naming it. */
  static Probe of(Deployment d) {
    String mode =
        d.modelInfo().get("mode") instanceof String m ? m.toLowerCase(Locale.ROOT) : "chat";
    Endpoint endpoint =
        switch (mode) {
          case "chat", "responses" -> Endpoint.CHAT;
          case "completion" -> Endpoint.COMPLETIONS;
          case "embedding" -> Endpoint.EMBEDDINGS;
          default ->
              throw GatewayException.of(
                  501,
                  "not_implemented",
                  "model_info.mode",
                  "health_check_mode_not_supported",
                  "Tollgate does not health-check deployments of mode '"
                      + mode
                      + "' (it checks chat, completion and embedding)");
        };
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("model", d.modelName());
    OptionalLong maxTokens = OptionalLong.empty();
    switch (endpoint) {
      case CHAT -> body.putArray("messages").addObject().put("role", "user").put("content", PROMPT);
      case COMPLETIONS -> body.put("prompt", PROMPT);
      default -> body.putArray("input").add(EMBEDDING_INPUT);
    }
    if (endpoint != Endpoint.EMBEDDINGS) {
      long n =
          d.modelInfo().get("health_check_max_tokens") instanceof Number v
              ? v.longValue()
              : DEFAULT_MAX_TOKENS;
      body.put("max_tokens", n);
      maxTokens = OptionalLong.of(n);
    }
    byte[] bytes;
    try {
      bytes = Json.MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    LitellmParams params = d.params();
    if (d.modelInfo().get("health_check_model") instanceof String model) {
      params = withModel(params, model);
    }
    return new Probe(
        params, RequestParser.parse(endpoint, bytes), timeoutMillis(d, params), maxTokens);
  }

  /**
   * {@code model_info.health_check_timeout} (seconds), else LiteLLM's 60 s; never longer than the
   * deployment's own {@code timeout}, which a request to it would have.
   */
  private static long timeoutMillis(Deployment d, LitellmParams params) {
    long millis = DEFAULT_TIMEOUT_MILLIS;
    if (d.modelInfo().get("health_check_timeout") instanceof Number seconds) {
      millis = Math.max(1, new BigDecimal(seconds.toString()).movePointRight(3).longValue());
    }
    if (params.timeoutMillis().isPresent()) {
      millis = Math.min(millis, params.timeoutMillis().getAsLong());
    }
    return millis;
  }

  /**
   * {@code params} sending {@code model}: {@code provider/name} names its provider, as {@code
   * litellm_params.model} does; a bare name keeps the deployment's provider. The credentials and
   * the API base stay the deployment's.
   */
  static LitellmParams withModel(LitellmParams p, String model) {
    int slash = model.indexOf('/');
    String provider = slash > 0 ? model.substring(0, slash) : p.provider();
    String name = slash > 0 ? model.substring(slash + 1) : model;
    return p.withModel(slash > 0 ? model : provider + "/" + model, provider, name);
  }
}

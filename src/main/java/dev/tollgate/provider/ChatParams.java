package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI chat parameters a translated wire checks against its provider's table, as LiteLLM's
 * {@code get_supported_openai_params} and {@code drop_params} do. Only formats that translate the
 * chat body call it, on a tree they parse anyway; OpenAI-compatible wires pass every parameter on
 * and pay nothing. Stateless; runs on the event loop.
 */
public final class ChatParams {
  private ChatParams() {}

  private static final Logger LOG = LoggerFactory.getLogger(ChatParams.class);

  /**
   * The OpenAI chat parameters that are checked: a key outside this set (LiteLLM's own, or a
   * provider's, such as {@code thinking} or {@code top_k}) is left to the translation. {@code
   * model}, {@code messages}, {@code stream} and {@code stream_options} are served by every wire.
   * {@code user} names the caller and asks nothing of the model, so a provider without it leaves it
   * out rather than refuse the request (OpenAI SDK clients often set it).
   */
  static final Set<String> CHECKED =
      Set.of(
          "frequency_penalty",
          "logit_bias",
          "logprobs",
          "top_logprobs",
          "max_tokens",
          "max_completion_tokens",
          "n",
          "presence_penalty",
          "response_format",
          "seed",
          "stop",
          "temperature",
          "top_p",
          "tools",
          "tool_choice",
          "parallel_tool_calls",
          "functions",
          "function_call",
          "reasoning_effort",
          "service_tier",
          "store",
          "modalities",
          "audio",
          "prediction",
          "web_search_options");

  /**
   * The first parameter of {@code root} that {@code supported} lacks, or null. A null value is not
   * a parameter, and {@code n: 1} asks for nothing a provider lacks (LiteLLM lets it pass too).
   */
  static @Nullable String firstUnsupported(JsonNode root, Set<String> supported) {
    for (var it = root.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (unsupported(name, root.get(name), supported)) {
        return name;
      }
    }
    return null;
  }

  private static boolean unsupported(String name, JsonNode value, Set<String> supported) {
    return CHECKED.contains(name)
        && !supported.contains(name)
        && !value.isNull()
        && !(name.equals("n") && value.isIntegralNumber() && value.asLong() == 1);
  }

  /**
   * Admits a chat request to a provider that supports the OpenAI parameters {@code supported}: with
   * {@code drop_params: true} on the deployment (or in {@code litellm_settings}), the others are
   * removed from {@code root} before it is translated; without it, the first is a 400 naming it and
   * the provider, before anything is sent.
   */
  public static void admit(ObjectNode root, Set<String> supported, LitellmParams params) {
    String first = firstUnsupported(root, supported);
    if (first == null) {
      return;
    }
    if (!Boolean.TRUE.equals(params.extra().get("drop_params"))) {
      throw GatewayException.badRequest(
          first,
          params.provider()
              + " does not support the OpenAI parameter '"
              + first
              + "'; set drop_params: true on the deployment or in litellm_settings to drop it");
    }
    List<String> dropped = new ArrayList<>();
    for (var it = root.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (unsupported(name, root.get(name), supported)) {
        dropped.add(name);
      }
    }
    root.remove(dropped);
    LOG.debug("drop_params: not sent to {}: {}", params.provider(), dropped);
  }
}

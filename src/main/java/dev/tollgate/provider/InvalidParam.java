package dev.tollgate.provider;

import static java.util.Objects.requireNonNull;

/**
 * Why a provider cannot serve a deployment as configured.
 *
 * @param param the {@code litellm_params} key at fault, such as {@code api_base}
 * @param problem what is wrong with it, such as {@code is required for provider hosted_vllm}
 */
public record InvalidParam(String param, String problem) {
  public InvalidParam {
    requireNonNull(param, "param");
    requireNonNull(problem, "problem");
  }
}

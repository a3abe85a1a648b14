package dev.tollgate.config;

import java.util.Map;

/**
 * One {@code model_list} entry: a deployment of a provider model behind a public group name.
 *
 * @param modelName the public model group name ({@code model_name})
 * @param id {@code model_info.id}, or an id derived from the entry's content when absent, so that
 *     parsing the same file twice gives the same ids
 * @param params {@code litellm_params}
 * @param modelInfo {@code model_info} fields other than {@code id}, as plain immutable values
 */
public record DeploymentConfig(
    String modelName, String id, LitellmParams params, Map<String, Object> modelInfo) {

  public DeploymentConfig {
    modelInfo = Map.copyOf(modelInfo);
  }
}

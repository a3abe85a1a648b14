package dev.tollgate.config;

import java.util.List;

/**
 * One parsed config file: an immutable snapshot. Secrets it holds (keys, passwords) are resolved
 * values and must never be echoed by an API.
 *
 * @param source where it came from, for messages: a file path, or {@code built-in default}
 * @param modelList every deployment, in file order
 * @param warnings things that were accepted but deserve attention, each naming its key
 */
public record GatewayConfig(
    String source,
    List<DeploymentConfig> modelList,
    GeneralSettings general,
    RouterSettings router,
    LitellmSettings litellm,
    List<String> warnings) {

  public GatewayConfig {
    modelList = List.copyOf(modelList);
    warnings = List.copyOf(warnings);
  }
}

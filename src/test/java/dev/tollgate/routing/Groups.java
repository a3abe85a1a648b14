package dev.tollgate.routing;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.DeploymentConfig;
import dev.tollgate.config.Environment;
import dev.tollgate.pricing.Price;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Deployments and groups for routing tests, built through the config loader. */
final class Groups {
  private Groups() {}

  static Deployment deployment(String id) {
    return deployment(id, -1);
  }

  /** A deployment with {@code max_retries} (none when negative), weight 1. */
  static Deployment deployment(String id, int maxRetries) {
    String yaml =
        "model_list:\n"
            + "  - model_name: g\n"
            + "    litellm_params: {model: openai/gpt-4o-mini"
            + (maxRetries >= 0 ? ", max_retries: " + maxRetries : "")
            + "}\n"
            + "    model_info: {id: "
            + id
            + "}\n";
    DeploymentConfig c =
        ConfigLoader.parse("test.yaml", yaml, Environment.of(Map.of())).modelList().get(0);
    return new Deployment(
        c.id(), c.modelName(), c.params(), c.modelInfo(), Deployment.Origin.CONFIG, Price.FREE);
  }

  /** A deployment with these extra {@code litellm_params} (YAML flow members) and price. */
  static Deployment deployment(String id, String params, Price price) {
    String yaml =
        "model_list:\n"
            + "  - model_name: g\n"
            + "    litellm_params: {model: openai/gpt-4o-mini"
            + (params.isEmpty() ? "" : ", " + params)
            + "}\n"
            + "    model_info: {id: "
            + id
            + "}\n";
    DeploymentConfig c =
        ConfigLoader.parse("test.yaml", yaml, Environment.of(Map.of())).modelList().get(0);
    return new Deployment(
        c.id(), c.modelName(), c.params(), c.modelInfo(), Deployment.Origin.CONFIG, price);
  }

  static ModelGroup group(String... ids) {
    List<Deployment> ds = new ArrayList<>();
    for (String id : ids) {
      ds.add(deployment(id));
    }
    return new ModelGroup("g", ds);
  }
}

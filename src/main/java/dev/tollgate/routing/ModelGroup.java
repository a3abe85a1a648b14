package dev.tollgate.routing;

import java.util.List;

/** Deployments that share a {@code model_name}. Immutable; never empty. */
public record ModelGroup(String name, List<Deployment> deployments) {
  public ModelGroup {
    deployments = List.copyOf(deployments);
    if (deployments.isEmpty()) {
      throw new IllegalArgumentException("a model group has at least one deployment");
    }
  }
}

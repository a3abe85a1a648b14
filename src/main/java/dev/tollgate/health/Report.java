package dev.tollgate.health;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.routing.Deployment;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The results of one round of health checks, in the registry's order, and their JSON in LiteLLM's
 * shape. Immutable.
 *
 * @param finishedAtMillis when the last check of the round ended
 */
record Report(List<Result> results, long finishedAtMillis) {
  Report {
    results = List.copyOf(results);
  }

  /** No round has run yet. */
  static final Report NONE = new Report(List.of(), 0);

  /**
   * One deployment's check.
   *
   * @param model the model that was sent ({@code model_info.health_check_model} when set)
   * @param failure why it is unhealthy; empty when it answered
   */
  record Result(Deployment deployment, String model, Optional<GatewayException> failure) {
    boolean healthy() {
      return failure.isEmpty();
    }
  }

  /**
   * The {@code litellm_params} shown for an endpoint, as LiteLLM's allow-list has them: where it is
   * and what it runs, never a credential. Anything not listed is left out.
   */
  private static final List<String> SHOWN_EXTRA =
      List.of(
          "aws_region_name",
          "base_model",
          "custom_llm_provider",
          "region_name",
          "vertex_location",
          "vertex_project");

  Report only(Predicate<Deployment> keep) {
    return new Report(
        results.stream().filter(r -> keep.test(r.deployment())).toList(), finishedAtMillis);
  }

  /**
   * {@code {"healthy_endpoints": [...], "unhealthy_endpoints": [...], "healthy_count",
   * "unhealthy_count"}}; an unhealthy endpoint carries a short {@code error}.
   */
  ObjectNode json() {
    ObjectNode out = Json.MAPPER.createObjectNode();
    ArrayNode healthy = out.putArray("healthy_endpoints");
    ArrayNode unhealthy = out.putArray("unhealthy_endpoints");
    for (Result r : results) {
      endpoint(r, r.healthy() ? healthy.addObject() : unhealthy.addObject());
    }
    out.put("healthy_count", healthy.size());
    out.put("unhealthy_count", unhealthy.size());
    return out;
  }

  private static void endpoint(Result r, ObjectNode o) {
    LitellmParams p = r.deployment().params();
    o.put("model", r.model());
    p.apiBase().ifPresent(b -> o.put("api_base", dev.tollgate.provider.Redaction.url(b)));
    p.apiVersion().ifPresent(v -> o.put("api_version", v));
    if (p.extra().get("aws_bedrock_runtime_endpoint") instanceof String e) {
      o.put("aws_bedrock_runtime_endpoint", dev.tollgate.provider.Redaction.url(e));
    }
    for (String key : SHOWN_EXTRA) {
      if (p.extra().get(key) instanceof String v) {
        o.put(key, v);
      }
    }
    p.rpm().ifPresent(v -> o.put("rpm", v));
    p.tpm().ifPresent(v -> o.put("tpm", v));
    o.put("model_id", r.deployment().id());
    r.failure()
        .ifPresent(
            e ->
                o.put(
                    "error",
                    dev.tollgate.provider.Redaction.message(
                        e.getMessage() == null ? e.type() : e.getMessage(), p)));
  }
}

package dev.tollgate.config;

import static java.util.Map.entry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code litellm_settings.prometheus_metrics_config}, LiteLLM's filter of its Prometheus metrics: a
 * list of groups, each naming metrics and, optionally, the only labels they keep. Without it every
 * metric is exported with every label. With it, as in LiteLLM, only the metrics some group names
 * are exported (all of them if no group names any) ({@code tollgate_*} metrics, which LiteLLM has
 * no names for, always are), and a group's {@code include_labels} keeps those of a metric's labels,
 * in the metric's own order. Immutable.
 *
 * @param groups the groups as configured, checked against {@link #LABELS}
 */
public record PrometheusMetricsConfig(List<Group> groups) {

  /**
   * One entry of the list.
   *
   * @param group its name, for the operator
   * @param metrics the metrics it turns on, by the names LiteLLM's config uses
   * @param includeLabels the labels those metrics keep; empty keeps every label
   */
  public record Group(String group, List<String> metrics, Optional<List<String>> includeLabels) {
    public Group {
      metrics = List.copyOf(metrics);
      includeLabels = includeLabels.map(List::copyOf);
    }
  }

  public PrometheusMetricsConfig {
    groups = List.copyOf(groups);
  }

  /** No filter: every metric, every label. */
  public static final PrometheusMetricsConfig ALL = new PrometheusMetricsConfig(List.of());

  /**
   * The metrics the config may name, by LiteLLM's config names ({@code litellm/types/integrations/
   * prometheus.py}, {@code DEFINED_PROMETHEUS_METRICS}), and the labels each has in Tollgate, in
   * order: LiteLLM's, with {@code org_id} and {@code org_alias} where Tollgate adds them. The one
   * list of label names the metrics are built from.
   */
  public static final Map<String, List<String>> LABELS = labels();

  /** Whether {@code metric} (a config name) is exported. */
  public boolean enabled(String metric) {
    boolean any = false;
    for (Group g : groups) {
      if (g.metrics().contains(metric)) {
        return true;
      }
      any |= !g.metrics().isEmpty();
    }
    // As in LiteLLM, groups that name no metric filter none out.
    return !any;
  }

  /**
   * The labels {@code metric} (a config name) keeps: its labels in {@link #LABELS}, less those a
   * group naming it with {@code include_labels} leaves out. The last such group wins, as in
   * LiteLLM.
   */
  public List<String> labels(String metric) {
    List<String> all = allLabels(metric);
    Optional<List<String>> kept = Optional.empty();
    for (Group g : groups) {
      // An empty list keeps every label, as LiteLLM reads it.
      if (g.metrics().contains(metric)
          && g.includeLabels().isPresent()
          && !g.includeLabels().get().isEmpty()) {
        kept = g.includeLabels();
      }
    }
    if (kept.isEmpty()) {
      return all;
    }
    List<String> out = new ArrayList<>(all.size());
    for (String l : all) {
      if (kept.get().contains(l)) {
        out.add(l);
      }
    }
    return List.copyOf(out);
  }

  /** Every label of {@code metric} (a config name), in order. */
  public static List<String> allLabels(String metric) {
    List<String> all = LABELS.get(metric);
    if (all == null) {
      throw new IllegalArgumentException("not a known metric: " + metric);
    }
    return all;
  }

  private static Map<String, List<String>> labels() {
    List<String> proxyTotal =
        List.of(
            "end_user",
            "hashed_api_key",
            "api_key_alias",
            "requested_model",
            "team",
            "team_alias",
            "user",
            "status_code",
            "user_email",
            "route",
            "client_ip",
            "user_agent",
            "model_id",
            "org_id",
            "org_alias");
    List<String> proxyFailed =
        List.of(
            "end_user",
            "hashed_api_key",
            "api_key_alias",
            "requested_model",
            "team",
            "team_alias",
            "user",
            "user_email",
            "exception_status",
            "exception_class",
            "route",
            "client_ip",
            "user_agent",
            "model_id",
            "org_id",
            "org_alias");
    List<String> requests =
        List.of(
            "end_user",
            "hashed_api_key",
            "api_key_alias",
            "model",
            "team",
            "team_alias",
            "user",
            "user_email",
            "client_ip",
            "user_agent",
            "model_id",
            "api_provider",
            "org_id",
            "org_alias");
    List<String> tokens =
        List.of(
            "end_user",
            "hashed_api_key",
            "api_key_alias",
            "model",
            "team",
            "team_alias",
            "user",
            "user_email",
            "requested_model",
            "model_id",
            "org_id",
            "org_alias");
    List<String> totalLatency =
        List.of(
            "end_user",
            "hashed_api_key",
            "api_key_alias",
            "requested_model",
            "team",
            "team_alias",
            "user",
            "model",
            "model_id",
            "org_id",
            "org_alias");
    List<String> apiLatency =
        List.of(
            "model",
            "hashed_api_key",
            "api_key_alias",
            "team",
            "team_alias",
            "requested_model",
            "end_user",
            "user",
            "model_id");
    List<String> perDeployment =
        List.of(
            "model_group",
            "api_provider",
            "api_base",
            "litellm_model_name",
            "hashed_api_key",
            "api_key_alias",
            "model_id");
    List<String> deploymentState =
        List.of("litellm_model_name", "model_id", "api_base", "api_provider");
    List<String> deploymentTotal =
        List.of(
            "requested_model",
            "litellm_model_name",
            "model_id",
            "api_base",
            "api_provider",
            "hashed_api_key",
            "api_key_alias",
            "team",
            "team_alias",
            "client_ip",
            "user_agent");
    List<String> deploymentFailure =
        List.of(
            "requested_model",
            "litellm_model_name",
            "model_id",
            "api_base",
            "api_provider",
            "exception_status",
            "exception_class",
            "hashed_api_key",
            "api_key_alias",
            "team",
            "team_alias",
            "client_ip",
            "user_agent");
    List<String> fallbacks =
        List.of(
            "requested_model",
            "fallback_model",
            "hashed_api_key",
            "api_key_alias",
            "team",
            "team_alias",
            "exception_status",
            "exception_class",
            "model_id");
    List<String> team = List.of("team", "team_alias");
    List<String> key = List.of("hashed_api_key", "api_key_alias");
    List<String> user = List.of("user");
    List<String> org = List.of("org_id", "org_alias");
    return Map.ofEntries(
        entry("litellm_proxy_total_requests_metric", proxyTotal),
        entry("litellm_proxy_failed_requests_metric", proxyFailed),
        entry("litellm_requests_metric", requests),
        entry("litellm_spend_metric", requests),
        entry("litellm_total_tokens_metric", tokens),
        entry("litellm_input_tokens_metric", tokens),
        entry("litellm_output_tokens_metric", tokens),
        entry("litellm_request_total_latency_metric", totalLatency),
        entry("litellm_llm_api_latency_metric", apiLatency),
        entry("litellm_llm_api_time_to_first_token_metric", apiLatency),
        entry("litellm_overhead_latency_metric", perDeployment),
        entry("litellm_remaining_requests_metric", perDeployment),
        entry("litellm_remaining_tokens_metric", perDeployment),
        entry("litellm_deployment_state", deploymentState),
        entry(
            "litellm_deployment_cooled_down",
            List.of(
                "litellm_model_name", "model_id", "api_base", "api_provider", "exception_status")),
        entry("litellm_deployment_total_requests", deploymentTotal),
        entry("litellm_deployment_success_responses", deploymentTotal),
        entry("litellm_deployment_failure_responses", deploymentFailure),
        entry(
            "litellm_deployment_latency_per_output_token",
            List.of(
                "litellm_model_name",
                "model_id",
                "api_base",
                "api_provider",
                "hashed_api_key",
                "api_key_alias",
                "team",
                "team_alias")),
        entry("litellm_deployment_successful_fallbacks", fallbacks),
        entry("litellm_deployment_failed_fallbacks", fallbacks),
        entry("litellm_remaining_team_budget_metric", team),
        entry("litellm_team_max_budget_metric", team),
        entry("litellm_team_budget_remaining_hours_metric", team),
        entry("litellm_remaining_api_key_budget_metric", key),
        entry("litellm_api_key_max_budget_metric", key),
        entry("litellm_api_key_budget_remaining_hours_metric", key),
        entry("litellm_remaining_user_budget_metric", user),
        entry("litellm_user_max_budget_metric", user),
        entry("litellm_user_budget_remaining_hours_metric", user),
        entry("litellm_remaining_org_budget_metric", org),
        entry("litellm_org_max_budget_metric", org),
        entry("litellm_org_budget_remaining_hours_metric", org));
  }

  /** The config names of {@link #LABELS}, for messages. */
  static Set<String> names() {
    return new java.util.TreeSet<>(LABELS.keySet());
  }
}

package dev.tollgate.config;

import static dev.tollgate.config.ConfigLoaderTest.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code litellm_settings.prometheus_metrics_config}, read as LiteLLM reads it. */
class PrometheusMetricsConfigTest {

  @Test
  void parse_absent_everyMetricWithEveryLabel() {
    PrometheusMetricsConfig m = parse("model_list: []").litellm().prometheusMetrics();
    assertThat(m).isEqualTo(PrometheusMetricsConfig.ALL);
    assertThat(m.enabled("litellm_deployment_state")).isTrue();
    assertThat(m.labels("litellm_deployment_state"))
        .containsExactly("litellm_model_name", "model_id", "api_base", "api_provider");
  }

  @Test
  void parse_groups_keepOnlyTheirMetrics_andTheIncludedLabelsInTheMetricsOrder() {
    GatewayConfig c =
        parse(
            """
            litellm_settings:
              prometheus_metrics_config:
                - group: latency
                  metrics: [litellm_llm_api_latency_metric, litellm_request_total_latency_metric]
                  include_labels: [model_id, hashed_api_key, model]
                - group: deployments
                  metrics: [litellm_deployment_state]
            """);
    PrometheusMetricsConfig m = c.litellm().prometheusMetrics();
    assertThat(c.warnings()).isEmpty();
    assertThat(m.groups()).hasSize(2);
    assertThat(m.groups().get(0).group()).isEqualTo("latency");
    assertThat(m.enabled("litellm_llm_api_latency_metric")).isTrue();
    assertThat(m.enabled("litellm_deployment_state")).isTrue();
    assertThat(m.enabled("litellm_spend_metric")).isFalse();
    assertThat(m.labels("litellm_llm_api_latency_metric"))
        .containsExactly("model", "hashed_api_key", "model_id");
    assertThat(m.labels("litellm_request_total_latency_metric"))
        .containsExactly("hashed_api_key", "model", "model_id");
    assertThat(m.labels("litellm_deployment_state"))
        .isEqualTo(PrometheusMetricsConfig.LABELS.get("litellm_deployment_state"));
  }

  @Test
  void parse_groupsNamingNoMetric_filterNothingOut_andOtherKeysAreWarnedAbout() {
    GatewayConfig c =
        parse(
            """
            litellm_settings:
              prometheus_metrics_config:
                - {group: none, metrics: [], colour: blue}
            """);
    PrometheusMetricsConfig m = c.litellm().prometheusMetrics();
    assertThat(m.enabled("litellm_spend_metric")).isTrue();
    assertThat(c.warnings())
        .anySatisfy(
            w -> assertThat(w).contains("litellm_settings.prometheus_metrics_config[0].colour"));
  }

  @Test
  void labels_ofAnUnknownMetric_refused() {
    assertThatThrownBy(() -> PrometheusMetricsConfig.ALL.labels("litellm_nothing"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("litellm_nothing");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{prometheus_metrics_config: {group: a}}|litellm_settings.prometheus_metrics_config|must be a list",
        "{prometheus_metrics_config: [latency]}|litellm_settings.prometheus_metrics_config[0]|must be a mapping",
        "{prometheus_metrics_config: [{metrics: [litellm_spend_metric]}]}|litellm_settings.prometheus_metrics_config[0].group|is required",
        "{prometheus_metrics_config: [{group: a}]}|litellm_settings.prometheus_metrics_config[0].metrics|is required",
        "{prometheus_metrics_config: [{group: a, metrics: {x: 1}}]}|litellm_settings.prometheus_metrics_config[0].metrics|list of names",
        "{prometheus_metrics_config: [{group: a, metrics: [litellm_spend_metric, litellm_nothing]}]}|litellm_settings.prometheus_metrics_config[0].metrics[1]|'litellm_nothing' is not a metric Tollgate exports",
        "{prometheus_metrics_config: [{group: a, metrics: [litellm_spend_metric], include_labels: [model, status_code]}]}|litellm_settings.prometheus_metrics_config[0].include_labels[1]|'status_code' is not a label of litellm_spend_metric",
        "{prometheus_metrics_config: [{group: a, metrics: [litellm_spend_metric], include_labels: 5}]}|litellm_settings.prometheus_metrics_config[0].include_labels|list of names",
      })
  void parse_badInput_refusedNamingThePath(String settings, String path, String problem) {
    assertThatThrownBy(() -> parse("litellm_settings: " + settings))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config.yaml: " + path + ": ")
        .hasMessageContaining(problem)
        .satisfies(e -> assertThat(((ConfigException) e).path()).isEqualTo(path));
  }

  @Test
  void labels_everyMetricHasLabels() {
    assertThat(PrometheusMetricsConfig.LABELS.values()).allSatisfy(l -> assertThat(l).isNotEmpty());
    assertThat(PrometheusMetricsConfig.LABELS)
        .containsKeys(
            "litellm_remaining_requests_metric",
            "litellm_deployment_cooled_down",
            "litellm_overhead_latency_metric");
    assertThat(List.copyOf(PrometheusMetricsConfig.LABELS.get("litellm_deployment_cooled_down")))
        .endsWith("exception_status");
  }
}

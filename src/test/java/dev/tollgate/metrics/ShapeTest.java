package dev.tollgate.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.PrometheusMetricsConfig;
import dev.tollgate.config.PrometheusMetricsConfig.Group;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A metric's labels and registry as {@code prometheus_metrics_config} keeps them. */
class ShapeTest {
  static final PrometheusMetricsConfig STATE_BY_ID =
      new PrometheusMetricsConfig(
          List.of(
              new Group(
                  "g",
                  List.of("litellm_deployment_state"),
                  Optional.of(List.of("api_provider", "model_id")))));

  @Test
  void pick_withoutConfig_keepsEveryValue() {
    Shape s = Shape.of(PrometheusMetricsConfig.ALL, "litellm_deployment_state");
    assertThat(s.names())
        .containsExactly("litellm_model_name", "model_id", "api_base", "api_provider");
    assertThat(s.pick("m", "id", "base", "openai")).containsExactly("m", "id", "base", "openai");
    PrometheusRegistry scraped = new PrometheusRegistry();
    assertThat(s.registry(scraped)).isSameAs(scraped);
  }

  @Test
  void pick_includedLabels_keepsTheirValuesInTheMetricsOrder() {
    Shape s = Shape.of(STATE_BY_ID, "litellm_deployment_state");
    assertThat(s.names()).containsExactly("model_id", "api_provider");
    assertThat(s.pick("m", "id", "base", "openai")).containsExactly("id", "openai");
  }

  @Test
  void registry_ofAMetricNoGroupNames_isNotTheScrapedOne() {
    Shape s = Shape.of(STATE_BY_ID, "litellm_spend_metric");
    PrometheusRegistry scraped = new PrometheusRegistry();
    assertThat(s.registry(scraped)).isNotSameAs(scraped);
  }

  @Test
  void pick_wrongNumberOfValues_refusedNamingTheMetric() {
    Shape s = Shape.of(STATE_BY_ID, "litellm_deployment_state");
    assertThatThrownBy(() -> s.pick("m", "id"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("litellm_deployment_state has 4 labels, given 2");
  }
}

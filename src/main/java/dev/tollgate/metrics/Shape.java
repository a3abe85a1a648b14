package dev.tollgate.metrics;

import dev.tollgate.config.PrometheusMetricsConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;

/**
 * One LiteLLM metric as {@code prometheus_metrics_config} keeps it: the labels it is built with,
 * and where it is registered. A metric the config leaves out is registered in a registry of its own
 * that nothing scrapes, so that the code counting it need not ask. Immutable.
 */
final class Shape {
  private final String metric;
  private final String[] names;
  private final int[] kept;
  private final int all;
  private final boolean enabled;

  private Shape(String metric, List<String> all, List<String> keep, boolean enabled) {
    this.metric = metric;
    this.all = all.size();
    this.names = keep.toArray(String[]::new);
    this.kept = keep.stream().mapToInt(all::indexOf).toArray();
    this.enabled = enabled;
  }

  /** {@code metric}, by its config name, as {@code config} keeps it. */
  static Shape of(PrometheusMetricsConfig config, String metric) {
    return new Shape(
        metric,
        PrometheusMetricsConfig.allLabels(metric),
        config.labels(metric),
        config.enabled(metric));
  }

  /** The label names kept, in order. */
  String[] names() {
    return names.clone();
  }

  /** The registry to register the metric in: {@code scraped}, or one nothing scrapes. */
  PrometheusRegistry registry(PrometheusRegistry scraped) {
    return enabled ? scraped : new PrometheusRegistry();
  }

  /** The kept ones of {@code values}, given for every label of the metric in order. */
  String[] pick(String... values) {
    if (values.length != all) {
      throw new IllegalArgumentException(
          metric + " has " + all + " labels, given " + values.length + " values");
    }
    if (kept.length == all) {
      return values;
    }
    String[] out = new String[kept.length];
    for (int i = 0; i < kept.length; i++) {
      out[i] = values[kept[i]];
    }
    return out;
  }
}

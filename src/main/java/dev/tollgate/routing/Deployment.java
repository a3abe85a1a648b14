package dev.tollgate.routing;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.pricing.Price;
import java.util.Map;

/**
 * One registered deployment: a provider model behind a model group. Immutable.
 *
 * @param id the deployment id ({@code model_info.id})
 * @param modelName the model group it belongs to
 * @param origin where it was registered from
 * @param price its price, decided once by the one {@link dev.tollgate.pricing.PriceResolver} when
 *     the snapshot was built; billing, budgets and the admin API all read this field
 */
public record Deployment(
    String id,
    String modelName,
    LitellmParams params,
    Map<String, Object> modelInfo,
    Origin origin,
    Price price) {

  public Deployment {
    modelInfo = Map.copyOf(modelInfo);
  }

  /** Where a deployment came from. */
  public enum Origin {
    CONFIG,
    API
  }
}

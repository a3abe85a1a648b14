package dev.tollgate.routing;

import dev.tollgate.config.LitellmParams;
import dev.tollgate.pricing.Price;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One registered deployment: a provider model behind a model group. Immutable.
 *
 * @param id the deployment id ({@code model_info.id})
 * @param modelName the model group it belongs to
 * @param origin where it was registered from
 * @param price its price, decided once by the one {@link dev.tollgate.pricing.PriceResolver} when
 *     the snapshot was built; billing, budgets and the admin API all read this field
 * @param maxOutputTokens the most tokens one answer can have: {@code model_info.max_output_tokens}
 *     or {@code max_tokens}, else the catalog's; admission reserves with it when a request sets no
 *     bound
 */
public record Deployment(
    String id,
    String modelName,
    LitellmParams params,
    Map<String, Object> modelInfo,
    Origin origin,
    Price price,
    OptionalLong maxOutputTokens) {

  public Deployment {
    modelInfo = Map.copyOf(modelInfo);
  }

  public Deployment(
      String id,
      String modelName,
      LitellmParams params,
      Map<String, Object> modelInfo,
      Origin origin,
      Price price) {
    this(id, modelName, params, modelInfo, origin, price, OptionalLong.empty());
  }

  /** Where a deployment came from. */
  public enum Origin {
    CONFIG,
    API
  }
}

package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

import dev.tollgate.config.SpendCap;
import dev.tollgate.governance.Principal;
import dev.tollgate.pricing.Price;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * What admission needs to know about a request, once its model group and deployment are chosen.
 * Immutable.
 *
 * @param requestedModel the model name the client sent (group or alias)
 * @param modelGroup the group it resolved to
 * @param providerModel what will be sent upstream, such as {@code openai/gpt-4o-mini}
 * @param price the deployment's price, as the registry resolved it
 * @param customerId the end user ({@code user} field or {@code x-litellm-end-user-id})
 * @param tags the request's tags ({@code metadata.tags} or {@code x-litellm-tags}); the key's own
 *     tags are added by admission
 * @param requestId the request's id; its {@link SpendRecord} carries the same id, and settling that
 *     record releases what admission reserved
 * @param estimate what the request is expected to use, reserved until it settles; asked for only
 *     when something is to be reserved (a budget with a max, a rate limit), so that a caller
 *     without limits never pays for the estimate
 * @param deploymentRpm the deployment's {@code rpm} from {@code litellm_params}
 * @param deploymentTpm the deployment's {@code tpm}
 * @param deploymentBudget the deployment's {@code max_budget} and {@code budget_duration}
 * @param provider the deployment's provider, for {@code router_settings.provider_budget_config}
 */
public record Admission(
    String requestId,
    Principal principal,
    String requestedModel,
    String modelGroup,
    String deploymentId,
    String providerModel,
    Price price,
    Optional<String> customerId,
    List<String> tags,
    Supplier<Estimate> estimate,
    OptionalLong deploymentRpm,
    OptionalLong deploymentTpm,
    Optional<SpendCap> deploymentBudget,
    String provider) {

  public Admission {
    requireNonNull(principal, "principal");
    requireNonNull(deploymentBudget, "deploymentBudget");
    requireNonNull(provider, "provider");
    requireNonNull(price, "price");
    requireNonNull(estimate, "estimate");
    tags = List.copyOf(tags);
  }

  /** An admission with an estimate already made. */
  public Admission(
      String requestId,
      Principal principal,
      String requestedModel,
      String modelGroup,
      String deploymentId,
      String providerModel,
      Price price,
      Optional<String> customerId,
      List<String> tags,
      Estimate estimate,
      OptionalLong deploymentRpm,
      OptionalLong deploymentTpm,
      Optional<SpendCap> deploymentBudget,
      String provider) {
    this(
        requestId,
        principal,
        requestedModel,
        modelGroup,
        deploymentId,
        providerModel,
        price,
        customerId,
        tags,
        () -> estimate,
        deploymentRpm,
        deploymentTpm,
        deploymentBudget,
        provider);
  }
}

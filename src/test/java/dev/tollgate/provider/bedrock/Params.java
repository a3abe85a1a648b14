package dev.tollgate.provider.bedrock;

import dev.tollgate.config.LitellmParams;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/** Bedrock deployment params for unit tests. */
final class Params {
  private Params() {}

  /** {@code bedrock/<providerModel>} with the given base, key and other params. */
  static LitellmParams of(
      String providerModel,
      @Nullable String apiBase,
      @Nullable String apiKey,
      Map<String, Object> extra) {
    return new LitellmParams(
        "bedrock/" + providerModel,
        "bedrock",
        providerModel,
        Optional.ofNullable(apiBase),
        Optional.ofNullable(apiKey),
        Optional.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        OptionalInt.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        1,
        Map.of(),
        extra);
  }
}

package dev.tollgate.pricing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads catalogs: the bundled format (docs/pricing.md) and LiteLLM's cost map. Every number is
 * taken as a {@link BigDecimal} from its JSON text; no price passes through {@code double}.
 */
final class CatalogJson {

  /** The bundled catalog format this code reads. */
  static final int FORMAT = 1;

  private static final String SAMPLE_SPEC = "sample_spec";
  private static final String UNDATED = "undated";

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          // A key given twice would silently keep one of two prices.
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private CatalogJson() {}

  static Catalog readBundled(InputStream in) throws IOException {
    JsonNode root = MAPPER.readTree(in);
    if (root == null || !root.isObject()) {
      throw new PricingException("bundled catalog: expected a JSON object");
    }
    int format = root.path("format").asInt(-1);
    if (format != FORMAT) {
      throw new PricingException(
          "bundled catalog: format "
              + root.path("format")
              + " is not supported, expected "
              + FORMAT);
    }
    Map<String, CatalogEntry> entries = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("entries").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      JsonNode spec = field.getValue();
      EnumMap<RateKey, BigDecimal> rates = new EnumMap<>(RateKey.class);
      for (Iterator<Map.Entry<String, JsonNode>> r = spec.path("rates").fields(); r.hasNext(); ) {
        Map.Entry<String, JsonNode> rate = r.next();
        RateKey rateKey =
            RateKey.fromLiteLlmName(rate.getKey())
                .orElseThrow(
                    () ->
                        new PricingException(
                            "bundled catalog: " + key + ": unknown rate " + rate.getKey()));
        decimal(rate.getValue(), key, rate.getKey()).ifPresent(v -> rates.put(rateKey, v));
      }
      entries.put(
          key,
          new CatalogEntry(
              key,
              new Rates(rates),
              count(spec.path("max_output_tokens")),
              count(spec.path("max_input_tokens")),
              spec.path("source").asText(UNDATED),
              spec.path("source_date").asText(UNDATED)));
    }
    Map<String, String> aliases = new HashMap<>();
    root.path("aliases")
        .fields()
        .forEachRemaining(a -> aliases.put(a.getKey(), a.getValue().asText()));
    return new Catalog(entries, aliases);
  }

  static Catalog readLiteLlmCostMap(String json) {
    try {
      return readLiteLlmCostMap(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new PricingException("cost map is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  static Catalog readLiteLlmCostMap(InputStream json) throws IOException {
    try {
      return readLiteLlmCostMap(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new PricingException("cost map is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static Catalog readLiteLlmCostMap(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new PricingException("cost map: expected a JSON object of model name to model info");
    }
    // A key's first path segment counts as a provider prefix only if some entry names it.
    Set<String> providers = new HashSet<>();
    root.forEach(
        spec -> {
          JsonNode provider = spec.path("litellm_provider");
          if (provider.isTextual()) {
            providers.add(provider.asText());
            providers.add(ModelNames.catalogProvider(provider.asText()));
          }
        });

    Map<String, CatalogEntry> entries = new HashMap<>();
    Set<String> explicitKeys = new HashSet<>();
    Map<String, String> aliases = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      JsonNode spec = field.getValue();
      if (name.equals(SAMPLE_SPEC)) {
        continue;
      }
      if (!spec.isObject()) {
        throw new PricingException("cost map: " + name + ": expected an object of model info");
      }
      String key = name;
      boolean explicit = true;
      JsonNode provider = spec.path("litellm_provider");
      if (provider.isTextual()) {
        int slash = name.indexOf('/');
        explicit = slash > 0 && providers.contains(name.substring(0, slash));
        if (explicit) {
          key = ModelNames.catalogProvider(name.substring(0, slash)) + name.substring(slash);
        } else {
          key = ModelNames.catalogProvider(provider.asText()) + "/" + name;
          aliases.put(name, key);
        }
      }
      CatalogEntry entry =
          new CatalogEntry(
              key,
              liteLlmRates(spec, name),
              count(spec.path("max_output_tokens")),
              count(spec.path("max_input_tokens")),
              "litellm-cost-map",
              UNDATED);
      CatalogEntry existing = entries.get(key);
      if (existing != null) {
        // A bare key and a prefixed key for the same model: keep both entries' rates, the
        // explicitly prefixed one winning where both give a value.
        boolean existingExplicit = explicitKeys.contains(key);
        entry =
            explicit || !existingExplicit
                ? existing.overriddenBy(entry)
                : entry.overriddenBy(existing);
      }
      if (explicit) {
        explicitKeys.add(key);
      }
      entries.put(key, entry);
    }
    return new Catalog(entries, aliases);
  }

  private static Rates liteLlmRates(JsonNode spec, String model) {
    EnumMap<RateKey, BigDecimal> rates = new EnumMap<>(RateKey.class);
    for (Iterator<Map.Entry<String, JsonNode>> it = spec.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      Optional<RateKey> key = RateKey.fromLiteLlmName(field.getKey());
      if (key.isPresent()) {
        decimal(field.getValue(), model, field.getKey()).ifPresent(v -> rates.put(key.get(), v));
      }
    }
    try {
      return new Rates(rates);
    } catch (PricingException e) {
      throw new PricingException("cost map: " + model + ": " + e.getMessage(), e);
    }
  }

  /** A rate from a number or a decimal string; {@code null} means absent. */
  private static Optional<BigDecimal> decimal(JsonNode value, String model, String field) {
    if (value.isNull() || value.isMissingNode()) {
      return Optional.empty();
    }
    if (value.isNumber()) {
      return Optional.of(value.decimalValue());
    }
    if (value.isTextual()) {
      try {
        return Optional.of(new BigDecimal(value.asText().strip()));
      } catch (NumberFormatException e) {
        // Fall through to the error below, which names the field.
      }
    }
    throw new PricingException(
        model + ": " + field + " must be a decimal number >= 0, got " + value);
  }

  private static OptionalLong count(JsonNode value) {
    return value.isIntegralNumber() && value.canConvertToLong() && value.asLong() > 0
        ? OptionalLong.of(value.asLong())
        : OptionalLong.empty();
  }
}

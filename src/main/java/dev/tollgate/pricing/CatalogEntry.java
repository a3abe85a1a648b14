package dev.tollgate.pricing;

import static java.util.Objects.requireNonNull;

import java.util.OptionalLong;

/**
 * One model in a {@link Catalog}.
 *
 * @param key the canonical {@code <provider>/<model>} key
 * @param rates its rates; empty when the source lists the model but prices none of its units in
 *     keys Tollgate understands, which resolves to {@link Price.Unknown}
 * @param maxOutputTokens the output token limit, if the source gives one
 * @param maxInputTokens the input (context window) limit, if the source gives one
 * @param source which source the rates came from, e.g. {@code litellm} or {@code genai-prices}
 * @param sourceDate the date of that source's data, {@code YYYY-MM-DD}, or {@code undated}
 */
public record CatalogEntry(
    String key,
    Rates rates,
    OptionalLong maxOutputTokens,
    OptionalLong maxInputTokens,
    String source,
    String sourceDate) {

  public CatalogEntry {
    requireNonNull(key, "key");
    requireNonNull(rates, "rates");
    requireNonNull(maxOutputTokens, "maxOutputTokens");
    requireNonNull(maxInputTokens, "maxInputTokens");
    requireNonNull(source, "source");
    requireNonNull(sourceDate, "sourceDate");
  }

  /** This entry with {@code over}'s rates and limits laid over it, key by key. */
  CatalogEntry overriddenBy(CatalogEntry over) {
    return new CatalogEntry(
        key,
        rates.overriddenBy(over.rates),
        over.maxOutputTokens.isPresent() ? over.maxOutputTokens : maxOutputTokens,
        over.maxInputTokens.isPresent() ? over.maxInputTokens : maxInputTokens,
        over.source,
        over.sourceDate);
  }
}

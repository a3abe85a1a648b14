package dev.tollgate.pricing;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;

/** Test helpers: rates from decimal text, and a readable way to write usage. */
final class Fixtures {

  private Fixtures() {}

  /** Rates from alternating {@link RateKey} and decimal text, e.g. {@code INPUT, "3e-6"}. */
  static Map<RateKey, BigDecimal> rates(Object... keyThenDecimal) {
    if (keyThenDecimal.length % 2 != 0) {
      throw new IllegalArgumentException("pairs of key and decimal text expected");
    }
    Map<RateKey, BigDecimal> out = new EnumMap<>(RateKey.class);
    for (int i = 0; i < keyThenDecimal.length; i += 2) {
      out.put((RateKey) keyThenDecimal[i], new BigDecimal((String) keyThenDecimal[i + 1]));
    }
    return out;
  }

  static Price.Priced priced(Object... keyThenDecimal) {
    return new Price.Priced(new Rates(rates(keyThenDecimal)), PriceSource.CATALOG);
  }

  static UsageBuilder usage() {
    return new UsageBuilder();
  }

  static final class UsageBuilder {
    private long input;
    private long output;
    private long cacheRead;
    private long cacheCreation;
    private long cacheCreation1h;
    private long reasoning;
    private long audioInput;
    private long audioOutput;
    private long images;
    private long millis;
    private long inputCharacters;
    private long outputCharacters;
    private long queries;

    UsageBuilder input(long n) {
      input = n;
      return this;
    }

    UsageBuilder output(long n) {
      output = n;
      return this;
    }

    UsageBuilder cacheRead(long n) {
      cacheRead = n;
      return this;
    }

    UsageBuilder cacheCreation(long n) {
      cacheCreation = n;
      return this;
    }

    UsageBuilder cacheCreation1h(long n) {
      cacheCreation1h = n;
      return this;
    }

    UsageBuilder reasoning(long n) {
      reasoning = n;
      return this;
    }

    UsageBuilder audioInput(long n) {
      audioInput = n;
      return this;
    }

    UsageBuilder audioOutput(long n) {
      audioOutput = n;
      return this;
    }

    UsageBuilder images(long n) {
      images = n;
      return this;
    }

    UsageBuilder millis(long n) {
      millis = n;
      return this;
    }

    UsageBuilder characters(long in, long out) {
      inputCharacters = in;
      outputCharacters = out;
      return this;
    }

    UsageBuilder queries(long n) {
      queries = n;
      return this;
    }

    Usage build() {
      return new Usage(
          input,
          output,
          cacheRead,
          cacheCreation,
          cacheCreation1h,
          reasoning,
          audioInput,
          audioOutput,
          images,
          millis,
          inputCharacters,
          outputCharacters,
          queries);
    }
  }
}

package dev.tollgate.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * What one request asks of the cache, as LiteLLM reads its body's {@code cache} object: {@code
 * no-cache} (do not answer from the cache; the fresh answer is still kept), {@code no-store} (do
 * not keep this answer), {@code ttl} (keep it this many seconds), {@code s-maxage} (answer only
 * from an entry at most this many seconds old), {@code use-cache} (opt in under {@code mode:
 * default_off}) and {@code namespace}. The {@code Cache-Control} request header's {@code no-cache},
 * {@code no-store}, {@code max-age} and {@code s-maxage} say the same; where both say something,
 * the body wins. Immutable.
 */
public record CacheControl(
    boolean noCache,
    boolean noStore,
    boolean useCache,
    OptionalLong ttlMillis,
    OptionalLong maxAgeMillis,
    Optional<String> namespace) {

  public static final CacheControl NONE =
      new CacheControl(
          false, false, false, OptionalLong.empty(), OptionalLong.empty(), Optional.empty());

  /**
   * The controls of a request whose body's {@code cache} member is {@code body} (null when absent)
   * and whose {@code Cache-Control} header is {@code header}. A wrong type is a 400 naming {@code
   * cache}.
   */
  public static CacheControl of(@Nullable JsonNode body, @Nullable String header) {
    boolean noCache = false;
    boolean noStore = false;
    OptionalLong maxAge = OptionalLong.empty();
    if (header != null) {
      for (String part : header.split(",")) {
        String d = part.strip().toLowerCase(Locale.ROOT);
        if (d.equals("no-cache")) {
          noCache = true;
        } else if (d.equals("no-store")) {
          noStore = true;
        } else if (d.startsWith("max-age=") || d.startsWith("s-maxage=")) {
          maxAge = OptionalLong.of(headerSeconds(d.substring(d.indexOf('=') + 1), part.strip()));
        }
      }
    }
    if (body == null || body.isNull()) {
      return new CacheControl(
          noCache, noStore, false, OptionalLong.empty(), maxAge, Optional.empty());
    }
    if (!body.isObject()) {
      throw GatewayException.badRequest(
          "cache", "cache must be an object such as {\"no-cache\": true, \"ttl\": 60}");
    }
    noCache = flag(body, "no-cache", noCache);
    noStore = flag(body, "no-store", noStore);
    boolean useCache = flag(body, "use-cache", false);
    OptionalLong ttl = seconds(body, "ttl");
    OptionalLong bodyMaxAge = seconds(body, "s-maxage");
    if (bodyMaxAge.isEmpty()) {
      bodyMaxAge = seconds(body, "s-max-age");
    }
    JsonNode ns = body.get("namespace");
    if (ns != null && !ns.isNull() && !ns.isTextual()) {
      throw GatewayException.badRequest("cache", "cache.namespace must be a string");
    }
    return new CacheControl(
        noCache,
        noStore,
        useCache,
        ttl,
        bodyMaxAge.isPresent() ? bodyMaxAge : maxAge,
        ns == null || ns.isNull() || ns.textValue().isEmpty()
            ? Optional.empty()
            : Optional.of(ns.textValue()));
  }

  private static boolean flag(JsonNode body, String name, boolean fallback) {
    JsonNode v = body.get(name);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw GatewayException.badRequest("cache", "cache." + name + " must be true or false");
    }
    return v.booleanValue();
  }

  /** A member in seconds (fractions allowed, not negative), as milliseconds. */
  private static OptionalLong seconds(JsonNode body, String name) {
    JsonNode v = body.get(name);
    if (v == null || v.isNull()) {
      return OptionalLong.empty();
    }
    if (!v.isNumber() || v.decimalValue().signum() < 0) {
      throw GatewayException.badRequest(
          "cache", "cache." + name + " must be a number of seconds, not negative");
    }
    return OptionalLong.of(millis(v.decimalValue()));
  }

  private static long headerSeconds(String value, String directive) {
    try {
      BigDecimal s = new BigDecimal(value.strip());
      if (s.signum() >= 0) {
        return millis(s);
      }
    } catch (NumberFormatException e) {
      // the error below names the directive
    }
    throw GatewayException.badRequest(
        "Cache-Control", "Cache-Control " + directive + " must be a number of seconds");
  }

  private static long millis(BigDecimal seconds) {
    BigDecimal ms = seconds.movePointRight(3).setScale(0, RoundingMode.CEILING);
    return ms.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : ms.longValue();
  }
}

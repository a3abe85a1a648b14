package dev.tollgate.pricing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Loads a LiteLLM-format cost map from a URL or a file, to be laid over the bundled catalog.
 * Blocking I/O: call it from a worker thread or at start-up, never on the event loop.
 */
public final class CostMapSource {
  /** The environment variable LiteLLM reads for the same purpose. */
  public static final String ENV = "LITELLM_MODEL_COST_MAP_URL";

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private CostMapSource() {}

  /**
   * Loads and parses the map at {@code location} ({@code http(s)://...}, {@code file:...} or a
   * path).
   *
   * @throws PricingException naming the location and what went wrong
   */
  public static Catalog load(String location) {
    try {
      if (location.startsWith("http://") || location.startsWith("https://")) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        HttpResponse<InputStream> r =
            http.send(
                HttpRequest.newBuilder(URI.create(location)).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
          if (r.statusCode() != 200) {
            throw new PricingException(location + ": HTTP " + r.statusCode());
          }
          return Catalog.fromLiteLlmCostMap(in);
        }
      }
      Path file = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
      try (InputStream in = Files.newInputStream(file)) {
        return Catalog.fromLiteLlmCostMap(in);
      }
    } catch (NoSuchFileException e) {
      throw new PricingException(location + ": no such file", e);
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new PricingException(location + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PricingException(location + ": interrupted", e);
    } catch (IllegalArgumentException e) {
      throw new PricingException(location + ": not a valid URL or path: " + e.getMessage(), e);
    } catch (PricingException e) {
      throw e.getMessage() != null && e.getMessage().startsWith(location)
          ? e
          : new PricingException(location + ": " + e.getMessage(), e);
    }
  }
}

package dev.tollgate.testing;

import dev.tollgate.Gateway;
import dev.tollgate.GatewayOptions;
import dev.tollgate.config.Environment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A real gateway on a loopback port, started from config text, with a plain HTTP client. */
public final class TestGateway implements AutoCloseable {
  public static final String MASTER_KEY = "sk-test-master-key";

  private final Gateway gateway;
  private final HttpClient http = HttpClient.newHttpClient();

  private TestGateway(Gateway gateway) {
    this.gateway = gateway;
  }

  /** Starts a gateway with this config (null: the built-in default) and the test master key. */
  public static TestGateway start(@org.jspecify.annotations.Nullable String yaml) {
    return start(yaml, Map.of("TOLLGATE_MASTER_KEY", MASTER_KEY));
  }

  public static TestGateway start(
      @org.jspecify.annotations.Nullable String yaml, Map<String, String> env) {
    try {
      return start(yaml, env, Files.createTempDirectory("tollgate-test"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a gateway on {@code dir}/data; another start on the same dir is a restart. */
  public static TestGateway start(
      @org.jspecify.annotations.Nullable String yaml, Map<String, String> env, Path dir) {
    return start(yaml, env, dir, java.time.Clock.systemUTC());
  }

  /** As above, on a clock the test controls. */
  public static TestGateway start(
      @org.jspecify.annotations.Nullable String yaml,
      Map<String, String> env,
      Path dir,
      java.time.Clock clock) {
    try {
      GatewayOptions o =
          GatewayOptions.defaults()
              .withPort(0)
              .withDataDir(dir.resolve("data"))
              .withEnv(Environment.of(env))
              .withInstances(1)
              .withClock(clock);
      if (yaml != null) {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        o = o.withConfig(file);
      }
      return new TestGateway(Gateway.start(o));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The client {@link #send} uses, for other body handlers. */
  public HttpClient http() {
    return http;
  }

  public Gateway gateway() {
    return gateway;
  }

  public int port() {
    return gateway.port();
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  public HttpResponse<String> post(String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + MASTER_KEY)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  public HttpResponse<String> get(String path) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + MASTER_KEY)
            .GET()
            .build());
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@link #send} for a binary answer, such as an event stream. */
  public HttpResponse<byte[]> sendBytes(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    gateway.close();
  }
}

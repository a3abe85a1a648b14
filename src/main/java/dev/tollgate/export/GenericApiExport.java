package dev.tollgate.export;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.common.Json;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.pricing.CostCalculator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiteLLM's {@code generic_api} callback: each spend record, in LiteLLM's {@code
 * StandardLoggingPayload} shape, POSTed to {@code GENERIC_LOGGER_ENDPOINT} as JSON arrays of up to
 * {@code batchSize} records. The request path only offers the record to a bounded queue; one daemon
 * thread batches and sends, and retries a failed batch (a non-2xx answer or no answer) with
 * backoff, the same batch each time, so a receiver that fails and then recovers gets every record
 * once. A batch still refused after the last retry, or a record that finds the queue full, is
 * dropped, logged and counted: the export never slows or fails a request. Prompts and answers are
 * never sent.
 */
public final class GenericApiExport implements SpendSink {
  private static final Logger LOG = LoggerFactory.getLogger(GenericApiExport.class);

  /** LiteLLM's variables. */
  public static final String ENDPOINT_ENV = "GENERIC_LOGGER_ENDPOINT";

  public static final String HEADERS_ENV = "GENERIC_LOGGER_HEADERS";

  private final URI endpoint;
  private final Map<String, String> headers;
  private final Supplier<GovernanceSnapshot> governance;
  private final int batchSize;
  private final long flushMillis;
  private final List<Long> retryDelaysMillis;
  private final BlockingQueue<SpendRecord> queue;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final LongAdder sent = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder failedPosts = new LongAdder();

  /**
   * @param headers extra request headers, such as {@code Authorization}
   * @param retryDelaysMillis the waits before each retry of a failed batch; its size is the number
   *     of retries
   */
  public GenericApiExport(
      URI endpoint,
      Map<String, String> headers,
      Supplier<GovernanceSnapshot> governance,
      int batchSize,
      long flushMillis,
      List<Long> retryDelaysMillis,
      int queueCapacity) {
    this.endpoint = requireNonNull(endpoint, "endpoint");
    this.headers = Map.copyOf(headers);
    this.governance = requireNonNull(governance, "governance");
    this.batchSize = batchSize;
    this.flushMillis = flushMillis;
    this.retryDelaysMillis = List.copyOf(retryDelaysMillis);
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    Thread t = new Thread(this::run, "tollgate-generic-api-export");
    t.setDaemon(true);
    t.start();
  }

  /**
   * {@code GENERIC_LOGGER_HEADERS}: LiteLLM takes {@code Name=value,Other=value} or a JSON object.
   */
  public static Map<String, String> parseHeaders(@Nullable String text) {
    Map<String, String> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    String t = text.strip();
    if (t.startsWith("{")) {
      try {
        Json.MAPPER
            .readTree(t)
            .properties()
            .forEach(e -> out.put(e.getKey(), e.getValue().asText()));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            HEADERS_ENV + " is not a JSON object: " + e.getMessage());
      }
    } else {
      for (String pair : t.split(",")) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              HEADERS_ENV + " must be Name=value pairs separated by commas, or a JSON object");
        }
        out.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
      }
    }
    for (Map.Entry<String, String> e : out.entrySet()) {
      if (e.getValue().indexOf('\r') >= 0 || e.getValue().indexOf('\n') >= 0) {
        throw new IllegalArgumentException(
            HEADERS_ENV + " value of " + e.getKey() + " has a line break");
      }
    }
    return out;
  }

  /** Runs on the request's thread: a queue offer, never blocking. */
  @Override
  public void record(SpendRecord r) {
    if (!queue.offer(r)) {
      dropped.increment();
    }
  }

  /** Records delivered. */
  public long sent() {
    return sent.sum();
  }

  /** Records given up on: the queue was full, or their batch was refused after every retry. */
  public long dropped() {
    return dropped.sum();
  }

  /** POSTs that failed (each retry counts). */
  public long failedPosts() {
    return failedPosts.sum();
  }

  /**
   * Sends what the queue holds every flush interval, in batches of at most {@code batchSize}. The
   * thread sleeps rather than waits on the queue, so that a request's offer never has a waiter to
   * wake.
   */
  private void run() {
    List<SpendRecord> batch = new ArrayList<>(batchSize);
    while (true) {
      try {
        Thread.sleep(flushMillis);
        while (queue.drainTo(batch, batchSize) > 0) {
          try {
            deliver(batch);
          } catch (RuntimeException e) {
            LOG.error("spend export: {} records dropped: {}", batch.size(), e.toString());
            dropped.add(batch.size());
          }
          batch.clear();
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void deliver(List<SpendRecord> batch) throws InterruptedException {
    byte[] body = payload(batch);
    for (int attempt = 0; ; attempt++) {
      String why;
      try {
        HttpRequest.Builder b =
            HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        HttpResponse<Void> r = http.send(b.build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() / 100 == 2) {
          sent.add(batch.size());
          return;
        }
        why = "status " + r.statusCode();
      } catch (IOException e) {
        why = e.toString();
      }
      failedPosts.increment();
      if (attempt >= retryDelaysMillis.size()) {
        dropped.add(batch.size());
        LOG.error(
            "spend export to {}: {} records dropped after {} attempts, the last: {}",
            endpoint.getHost(),
            batch.size(),
            attempt + 1,
            why);
        return;
      }
      LOG.warn("spend export to {} failed ({}); retrying", endpoint.getHost(), why);
      Thread.sleep(retryDelaysMillis.get(attempt));
    }
  }

  /** The batch as a JSON array of LiteLLM's {@code StandardLoggingPayload}. */
  byte[] payload(List<SpendRecord> batch) {
    GovernanceSnapshot s = governance.get();
    return Json.write(
        g -> {
          try {
            g.writeStartArray();
            for (SpendRecord r : batch) {
              write(g, r, s);
            }
            g.writeEndArray();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private static void write(JsonGenerator g, SpendRecord r, GovernanceSnapshot s)
      throws IOException {
    @Nullable VirtualKey key = s.keyByHash(r.keyHash()).orElse(null);
    @Nullable Team team = r.teamId().map(id -> s.teams().get(id)).orElse(null);
    long prompt = r.inputTokens() + r.cacheReadTokens() + r.cacheCreationTokens();
    g.writeStartObject();
    g.writeStringField("id", r.requestId());
    g.writeStringField("trace_id", r.requestId());
    g.writeStringField("call_type", "acompletion");
    g.writeBooleanField("stream", r.stream());
    g.writeStringField("status", r.status() < 400 ? "success" : "failure");
    if (r.costNanos().isPresent()) {
      g.writeNumberField("response_cost", CostCalculator.nanosToUsd(r.costNanos().getAsLong()));
    } else {
      // An unknown price is never sent as 0.
      g.writeNullField("response_cost");
    }
    g.writeNumberField("prompt_tokens", prompt);
    g.writeNumberField("completion_tokens", r.outputTokens());
    g.writeNumberField("total_tokens", prompt + r.outputTokens());
    g.writeNumberField("startTime", r.startedAtMillis() / 1000.0);
    g.writeNumberField("endTime", (r.startedAtMillis() + r.latencyMillis()) / 1000.0);
    g.writeStringField("model", r.providerModel().orElse(r.modelGroup()));
    g.writeStringField("model_group", r.modelGroup());
    g.writeStringField("model_id", r.deploymentId().orElse(null));
    g.writeStringField(
        "custom_llm_provider",
        r.providerModel()
            .filter(m -> m.contains("/"))
            .map(m -> m.substring(0, m.indexOf('/')))
            .orElse(null));
    g.writeStringField("end_user", r.customerId().orElse(""));
    g.writeArrayFieldStart("request_tags");
    for (String t : r.tags()) {
      g.writeString(t);
    }
    g.writeEndArray();
    g.writeBooleanField("cache_hit", false);
    g.writeNullField("messages");
    g.writeNullField("response");
    g.writeStringField("error_str", r.errorType().orElse(null));
    g.writeObjectFieldStart("metadata");
    g.writeStringField("user_api_key_hash", r.keyHash());
    g.writeStringField("user_api_key_alias", key == null ? null : key.keyAlias().orElse(null));
    g.writeStringField("user_api_key_user_id", r.userId().orElse(null));
    g.writeStringField("user_api_key_team_id", r.teamId().orElse(null));
    g.writeStringField("user_api_key_team_alias", team == null ? null : team.alias().orElse(null));
    g.writeStringField("user_api_key_org_id", r.organizationId().orElse(null));
    g.writeStringField("user_api_key_end_user_id", r.customerId().orElse(null));
    g.writeEndObject();
    if (r.status() >= 400) {
      g.writeObjectFieldStart("error_information");
      g.writeStringField("error_code", Integer.toString(r.status()));
      g.writeStringField("error_class", r.errorType().orElse(null));
      g.writeEndObject();
    }
    // What LiteLLM's payload has no field for.
    g.writeObjectFieldStart("tollgate");
    g.writeStringField("price_state", r.priceState());
    g.writeStringField("price_source", r.priceSource());
    g.writeStringField("usage_source", r.usageSource().wire());
    if (r.costNanos().isPresent()) {
      g.writeNumberField("cost_nanos", r.costNanos().getAsLong());
    }
    g.writeNumberField("cache_read_tokens", r.cacheReadTokens());
    g.writeNumberField("cache_creation_tokens", r.cacheCreationTokens());
    g.writeNumberField("reasoning_tokens", r.reasoningTokens());
    g.writeNumberField("http_status", r.status());
    g.writeStringField("error_code", r.errorCode().orElse(null));
    g.writeEndObject();
    g.writeEndObject();
  }
}

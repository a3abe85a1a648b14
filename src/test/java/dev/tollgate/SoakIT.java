package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A steady load for {@code soak.seconds} (60 here; {@code bench/soak.sh} runs it for 10 minutes):
 * plain and streamed requests, streams the client abandons half-way, budget denials and rate-limit
 * denials, from several clients at once. The live heap after a full collection at the end is not
 * more than a few megabytes above what it was after a warm-up, and no reservation is left open.
 */
class SoakIT {
  static final long SECONDS = Long.getLong("soak.seconds", 60);

  /** What the live heap may grow by over the run: far below what a per-request leak would add. */
  static final long ALLOWED_GROWTH = 16L * 1024 * 1024;

  @Test
  void steadyMixedLoad_liveHeapStaysFlat() throws Exception {
    try (FakeOpenAi up = new FakeOpenAi()) {
      up.fallback(new FakeOpenAi.Normal(12, 5, 0)).recording(false);
      String yaml =
          """
          model_list:
            - model_name: m
              litellm_params: {model: openai/gpt-x, api_base: %s,
                               input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
          """
              .formatted(up.apiBase());
      try (TestGateway gw = TestGateway.start(yaml)) {
        String paying = key(gw, "{\"max_budget\": 1000000}");
        String broke = key(gw, "{\"max_budget\": 0}");
        String limited = key(gw, "{\"rpm_limit\": 1}");
        ConcurrentHashMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicLong sent = new AtomicLong();

        run(gw, paying, broke, limited, 10, statuses, sent);
        long before = liveHeap();
        run(gw, paying, broke, limited, SECONDS, statuses, sent);
        awaitNoReservations(gw);
        long after = liveHeap();

        System.out.printf(
            "soak: %d requests in %d s, statuses %s, live heap %d -> %d KB, RSS %s%n",
            sent.get(), SECONDS + 10, statuses, before / 1024, after / 1024, rss());
        assertThat(statuses.get(200)).isNotNull();
        assertThat(statuses.get(429)).as("budget and rate-limit denials").isNotNull();
        assertThat(after - before).as("live heap growth in bytes").isLessThan(ALLOWED_GROWTH);
      }
    }
  }

  static String key(TestGateway gw, String body) throws Exception {
    HttpResponse<String> k = gw.post("/key/generate", body);
    assertThat(k.statusCode()).as(k.body()).isEqualTo(200);
    return Json.MAPPER.readTree(k.body()).path("key").asText();
  }

  /** Four clients for {@code seconds}, each cycling through the kinds of request. */
  static void run(
      TestGateway gw,
      String paying,
      String broke,
      String limited,
      long seconds,
      ConcurrentHashMap<Integer, AtomicInteger> statuses,
      AtomicLong sent)
      throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      int client = c;
      clients.add(
          CompletableFuture.runAsync(
              () -> {
                int i = client;
                while (System.nanoTime() < end) {
                  int kind = i++ % 6;
                  String key = kind == 3 ? broke : kind == 4 ? limited : paying;
                  boolean stream = kind == 1 || kind == 5;
                  HttpRequest req = request(gw, key, stream);
                  try {
                    if (kind == 5) {
                      // A client that leaves a stream half-way: reads the head, then drops it.
                      HttpResponse<java.io.InputStream> r =
                          gw.http().send(req, HttpResponse.BodyHandlers.ofInputStream());
                      r.body().read(new byte[16]);
                      r.body().close();
                      count(statuses, r.statusCode());
                    } else {
                      HttpResponse<String> r =
                          gw.http().send(req, HttpResponse.BodyHandlers.ofString());
                      count(statuses, r.statusCode());
                    }
                    sent.incrementAndGet();
                  } catch (Exception e) {
                    count(statuses, -1);
                  }
                }
              }));
    }
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new))
        .get(seconds + 120, TimeUnit.SECONDS);
  }

  static void count(ConcurrentHashMap<Integer, AtomicInteger> statuses, int status) {
    statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
  }

  static HttpRequest request(TestGateway gw, String key, boolean stream) {
    return HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"m\","
                    + (stream ? "\"stream\":true," : "")
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"))
        .build();
  }

  static void awaitNoReservations(TestGateway gw) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (gw.gateway().enforcer().openReservations() != 0) {
      assertThat(System.nanoTime()).as("no reservation left open").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** Heap in use after a full collection (two, for what finalization freed). */
  static long liveHeap() throws InterruptedException {
    MemoryMXBean m = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 2; i++) {
      m.gc();
      Thread.sleep(200);
    }
    return m.getHeapMemoryUsage().getUsed();
  }

  static String rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return line.substring(6).trim();
        }
      }
    } catch (java.io.IOException e) {
      return "unknown";
    }
    return "unknown";
  }
}

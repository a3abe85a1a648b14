package dev.tollgate.proxy;

import dev.tollgate.budget.TokenBound;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.SseFramer;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/** The per-request work the gateway adds on the event loop, measured piece by piece. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RequestPathBench {
  /** A typical chat request: a system prompt, a few turns, options. About 1 KB. */
  final byte[] chat =
      ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\""
              + "You are a helpful assistant. ".repeat(12)
              + "\"},{\"role\":\"user\",\"content\":\"What is the capital of France? Answer briefly.\"},"
              + "{\"role\":\"assistant\",\"content\":\"Paris.\"},{\"role\":\"user\",\"content\":\"And of Italy?\"}],"
              + "\"temperature\":0.2,\"max_tokens\":256,\"stream\":true,\"user\":\"u-123\"}")
          .getBytes(StandardCharsets.UTF_8);

  final Buffer stream;

  public RequestPathBench() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      sb.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,")
          .append("\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok\"},")
          .append("\"finish_reason\":null}],\"usage\":null}\n\n");
    }
    sb.append("data: [DONE]\n\n");
    stream = Buffer.buffer(sb.toString());
  }

  @Benchmark
  public ParsedRequest parse() {
    return RequestParser.parse(Endpoint.CHAT, chat);
  }

  @Benchmark
  public byte[] parseAndRewrite() {
    return RequestParser.parse(Endpoint.CHAT, chat).forUpstream("gpt-4o-mini-2024-07-18", true);
  }

  /** The reservation's input bound over the whole body, part of {@link #parse}. */
  @Benchmark
  public long tokenBound() {
    return TokenBound.of(chat, 0, chat.length);
  }

  @Benchmark
  public void frameStream(Blackhole bh) {
    new SseFramer().feed(stream, bh::consume);
  }

  @Benchmark
  public String requestId() {
    return RequestIds.next();
  }
}

package dev.tollgate.pricing;

import java.math.BigDecimal;
import java.util.Map;
import java.util.OptionalLong;
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

/** Exact cost from usage, done once per request on the event loop. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CostBench {
  final Price price =
      new Price.Priced(
          new Rates(
              Map.of(
                  RateKey.INPUT, new BigDecimal("0.00000015"),
                  RateKey.OUTPUT, new BigDecimal("0.0000006"),
                  RateKey.CACHE_READ, new BigDecimal("0.000000075"))),
          PriceSource.CATALOG);
  final Usage usage = new Usage(812, 256, 1024, 0, 0, 0, 0, 0, 0, 0);

  @Benchmark
  public OptionalLong cost() {
    return CostCalculator.costNanos(price, usage);
  }
}

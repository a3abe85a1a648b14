package dev.tollgate.ui;

import dev.tollgate.store.SpendQueries;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Spend-per-day charts drawn on the server as SVG geometry: one stacked bar a day, one colour a
 * series (model group or team). Amounts stay exact nano-USD; only the pixel heights are scaled.
 * Pure; safe on any thread.
 */
final class Charts {
  static final int WIDTH = 720;
  static final int HEIGHT = 200;
  private static final int TOP = 10;
  private static final int MAX_SERIES = 8;

  /** Fill colours, as SVG presentation attributes (the CSP forbids inline style). */
  private static final List<String> PALETTE =
      List.of(
          "#2f6fdf", "#e07b28", "#3aa05a", "#c2413b", "#8a5cc8", "#8c6d31", "#d16aa8", "#6b7280",
          "#9aa3ad");

  private Charts() {}

  /**
   * The chart of {@code groups} (grouped by day, then by the series) over the {@code days} days
   * ending with {@code last}. Beyond the largest series, the rest are drawn as "other".
   */
  static Pages.Chart spendPerDay(
      String id, String title, List<SpendQueries.Group> groups, LocalDate last, int days) {
    LocalDate first = last.minusDays(days - 1L);
    Map<String, Long> totals = new LinkedHashMap<>();
    for (SpendQueries.Group g : groups) {
      totals.merge(series(g), g.spendNanos(), Long::sum);
    }
    List<String> named =
        totals.entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .limit(MAX_SERIES)
            .map(Map.Entry::getKey)
            .toList();
    long[][] perDay = new long[days][named.size() + 1];
    for (SpendQueries.Group g : groups) {
      LocalDate d = LocalDate.parse(g.keys().get(0).orElseThrow());
      int day = (int) (d.toEpochDay() - first.toEpochDay());
      if (day < 0 || day >= days) {
        continue;
      }
      int s = named.indexOf(series(g));
      perDay[day][s < 0 ? named.size() : s] += g.spendNanos();
    }
    long max = 0;
    for (long[] d : perDay) {
      long sum = 0;
      for (long v : d) {
        sum += v;
      }
      max = Math.max(max, sum);
    }
    int slot = WIDTH / days;
    List<Pages.Bar> bars = new ArrayList<>();
    List<Pages.Tick> ticks = new ArrayList<>();
    for (int day = 0; day < days; day++) {
      LocalDate d = first.plusDays(day);
      int x = day * slot + 2;
      long below = 0;
      for (int s = 0; s <= named.size(); s++) {
        long v = perDay[day][s];
        if (v == 0) {
          continue;
        }
        int y0 = height(below, max);
        int y1 = height(below + v, max);
        below += v;
        bars.add(
            new Pages.Bar(
                x,
                HEIGHT - y1,
                slot - 4,
                Math.max(1, y1 - y0),
                PALETTE.get(s),
                d + " " + label(named, s) + ": " + PageData.usd(v)));
      }
      if (day % Math.max(1, days / 7) == 0) {
        ticks.add(new Pages.Tick(x + (slot - 4) / 2, d.toString().substring(5)));
      }
    }
    List<Pages.Legend> legend = new ArrayList<>();
    for (int s = 0; s < named.size(); s++) {
      legend.add(
          new Pages.Legend(
              PALETTE.get(s),
              label(named, s),
              PageData.usd(totals.getOrDefault(named.get(s), 0L))));
    }
    if (totals.size() > named.size()) {
      long rest = 0;
      for (Map.Entry<String, Long> e : totals.entrySet()) {
        if (!named.contains(e.getKey())) {
          rest += e.getValue();
        }
      }
      if (rest > 0) {
        legend.add(new Pages.Legend(PALETTE.get(named.size()), "other", PageData.usd(rest)));
      }
    }
    return new Pages.Chart(id, title, WIDTH, HEIGHT, bars, ticks, legend, PageData.usd(max));
  }

  private static String series(SpendQueries.Group g) {
    Optional<String> s = g.keys().get(1);
    return s.orElse("");
  }

  private static String label(List<String> named, int s) {
    if (s >= named.size()) {
      return "other";
    }
    return named.get(s).isEmpty() ? "(none)" : named.get(s);
  }

  /** Pixels for {@code nanos} on a scale whose top is {@code max}; exact up to the pixel. */
  private static int height(long nanos, long max) {
    if (max == 0) {
      return 0;
    }
    return (int)
        java.math.BigInteger.valueOf(nanos)
            .multiply(java.math.BigInteger.valueOf(HEIGHT - TOP))
            .divide(java.math.BigInteger.valueOf(max))
            .longValueExact();
  }
}

package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

import dev.tollgate.governance.BudgetDuration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;

/**
 * Aligns budget windows to the calendar in one time zone. Stateless apart from the zone;
 * thread-safe.
 *
 * <ul>
 *   <li>Days and weeks ({@code Nd}, {@code Nw}): blocks of N days (7N for weeks) counted from
 *       Monday 1970-01-05, each starting at local midnight. So {@code 1d} starts every midnight,
 *       {@code 7d} and {@code 1w} every Monday 00:00, {@code 30d} every 30 days.
 *   <li>Months ({@code Nmo}): blocks of N calendar months counted from January 1970, starting at
 *       local midnight on the 1st. So {@code 1mo} starts on every 1st, {@code 3mo} on quarters.
 *   <li>Seconds, minutes and hours whose length divides a day ({@code 30s}, {@code 15m}, {@code
 *       1h}, {@code 6h}): consecutive blocks from each local midnight, so they restart every
 *       midnight. On a day that daylight saving time lengthens or shortens, the last block ends at
 *       the next midnight.
 *   <li>Seconds, minutes and hours that do not divide a day ({@code 7m}, {@code 5h}, {@code 30h}):
 *       whole multiples of the length since 1970-01-01T00:00Z, whatever the zone.
 * </ul>
 */
public final class Windows {
  private static final long DAY_SECONDS = 86_400;

  /** Monday 1970-01-05, the anchor of day and week blocks. */
  private static final long ANCHOR_EPOCH_DAY = 4;

  private static final YearMonth ANCHOR_MONTH = YearMonth.of(1970, 1);

  private final ZoneId zone;

  public Windows(ZoneId zone) {
    this.zone = requireNonNull(zone, "zone");
  }

  public ZoneId zone() {
    return zone;
  }

  /** The window of duration {@code d} that contains {@code t}. */
  public Window at(BudgetDuration d, Instant t) {
    return switch (d.unit()) {
      case SECONDS, MINUTES, HOURS -> fixed(d.seconds(), t);
      case DAYS, WEEKS -> days(d.days(), t);
      case MONTHS -> months(d.amount(), t);
    };
  }

  private Window fixed(long seconds, Instant t) {
    long lenMillis = seconds * 1000;
    if (DAY_SECONDS % seconds != 0) {
      long start = Math.floorDiv(t.toEpochMilli(), lenMillis) * lenMillis;
      return new Window(Instant.ofEpochMilli(start), Instant.ofEpochMilli(start + lenMillis));
    }
    LocalDate date = LocalDate.ofInstant(t, zone);
    long dayStart = date.atStartOfDay(zone).toInstant().toEpochMilli();
    long nextDay = date.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
    long start = dayStart + Math.floorDiv(t.toEpochMilli() - dayStart, lenMillis) * lenMillis;
    long end = Math.min(start + lenMillis, nextDay);
    return new Window(Instant.ofEpochMilli(start), Instant.ofEpochMilli(end));
  }

  private Window days(long n, Instant t) {
    long epochDay = LocalDate.ofInstant(t, zone).toEpochDay();
    long block = Math.floorDiv(epochDay - ANCHOR_EPOCH_DAY, n);
    LocalDate start = LocalDate.ofEpochDay(ANCHOR_EPOCH_DAY + block * n);
    return new Window(
        start.atStartOfDay(zone).toInstant(), start.plusDays(n).atStartOfDay(zone).toInstant());
  }

  private Window months(long n, Instant t) {
    YearMonth ym = YearMonth.from(LocalDate.ofInstant(t, zone));
    long index = (ym.getYear() - 1970L) * 12 + ym.getMonthValue() - 1;
    YearMonth start = ANCHOR_MONTH.plusMonths(Math.floorDiv(index, n) * n);
    return new Window(
        start.atDay(1).atStartOfDay(zone).toInstant(),
        start.plusMonths(n).atDay(1).atStartOfDay(zone).toInstant());
  }
}

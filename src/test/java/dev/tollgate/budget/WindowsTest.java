package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.governance.BudgetDuration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WindowsTest {
  private final Windows utc = new Windows(ZoneOffset.UTC);

  private static Instant t(String s) {
    return Instant.parse(s);
  }

  private Window at(String duration, String instant) {
    return utc.at(BudgetDuration.parse(duration), t(instant));
  }

  @ParameterizedTest(name = "{0} at {1}")
  @CsvSource({
    "30s, 2025-03-12T10:17:45.500Z, 2025-03-12T10:17:30Z, 2025-03-12T10:18:00Z",
    "15m, 2025-03-12T10:17:45Z,     2025-03-12T10:15:00Z, 2025-03-12T10:30:00Z",
    "1h,  2025-03-12T10:17:45Z,     2025-03-12T10:00:00Z, 2025-03-12T11:00:00Z",
    "6h,  2025-03-12T13:00:00Z,     2025-03-12T12:00:00Z, 2025-03-12T18:00:00Z",
    "1d,  2025-03-12T10:17:45Z,     2025-03-12T00:00:00Z, 2025-03-13T00:00:00Z",
    "7d,  2025-03-12T10:17:45Z,     2025-03-10T00:00:00Z, 2025-03-17T00:00:00Z",
    "1w,  2025-03-16T23:59:59Z,     2025-03-10T00:00:00Z, 2025-03-17T00:00:00Z",
    "1mo, 2025-03-12T10:17:45Z,     2025-03-01T00:00:00Z, 2025-04-01T00:00:00Z",
    "3mo, 2025-05-20T00:00:00Z,     2025-04-01T00:00:00Z, 2025-07-01T00:00:00Z",
    "12mo, 2025-05-20T00:00:00Z,    2025-01-01T00:00:00Z, 2026-01-01T00:00:00Z",
  })
  void at_eachDuration_alignsToTheCalendar(
      String duration, String instant, String start, String end) {
    assertThat(at(duration, instant)).isEqualTo(new Window(t(start), t(end)));
  }

  @Test
  void at_sevenDays_startsOnMonday() {
    Window w = at("7d", "2025-06-01T12:00:00Z"); // a Sunday
    assertThat(w.start()).isEqualTo(t("2025-05-26T00:00:00Z"));
    assertThat(w.start().atZone(ZoneOffset.UTC).getDayOfWeek())
        .isEqualTo(java.time.DayOfWeek.MONDAY);
  }

  @Test
  void at_thirtyDays_blocksOfThirtyDaysFromAnchorMonday() {
    Window w = at("30d", "2025-03-12T00:00:00Z");
    assertThat(java.time.Duration.between(w.start(), w.end()).toDays()).isEqualTo(30);
    assertThat(w.contains(t("2025-03-12T00:00:00Z"))).isTrue();
    long daysFromAnchor =
        w.start().atZone(ZoneOffset.UTC).toLocalDate().toEpochDay() - 4; // 1970-01-05
    assertThat(daysFromAnchor % 30).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"30s", "15m", "1h", "1d", "7d", "30d", "1mo"})
  void at_exactlyAtTheBoundary_isTheNextWindow(String duration) {
    BudgetDuration d = BudgetDuration.parse(duration);
    Window w = utc.at(d, t("2025-03-12T10:17:45Z"));
    Window next = utc.at(d, w.end());
    assertThat(next.start()).isEqualTo(w.end());
    assertThat(utc.at(d, w.end().minusMillis(1))).isEqualTo(w);
  }

  @Test
  void at_monthBoundary_januaryThirtyFirstThenFebruaryFirst() {
    assertThat(at("1mo", "2024-01-31T23:59:59.999Z"))
        .isEqualTo(new Window(t("2024-01-01T00:00:00Z"), t("2024-02-01T00:00:00Z")));
    assertThat(at("1mo", "2024-02-01T00:00:00Z"))
        .isEqualTo(new Window(t("2024-02-01T00:00:00Z"), t("2024-03-01T00:00:00Z")));
    assertThat(at("1mo", "2024-02-29T12:00:00Z").end()).isEqualTo(t("2024-03-01T00:00:00Z"));
  }

  @Test
  void at_timezone_dayStartsAtLocalMidnight() {
    Windows paris = new Windows(ZoneId.of("Europe/Paris"));
    // 23:30 UTC on the 12th is 00:30 on the 13th in Paris (UTC+1 in winter).
    Window w = paris.at(BudgetDuration.parse("1d"), t("2025-02-12T23:30:00Z"));
    assertThat(w).isEqualTo(new Window(t("2025-02-12T23:00:00Z"), t("2025-02-13T23:00:00Z")));
    Window m = paris.at(BudgetDuration.parse("1mo"), t("2025-02-28T23:30:00Z"));
    assertThat(m.start()).isEqualTo(t("2025-02-28T23:00:00Z")); // March 1st, Paris
  }

  @Test
  void at_daylightSavingDay_hourWindowsFollowLocalClockAndDayHas23() {
    Windows ny = new Windows(ZoneId.of("America/New_York"));
    BudgetDuration h = BudgetDuration.parse("1h");
    // 2024-03-10: clocks jump from 02:00 to 03:00 EST->EDT; the day is 23 hours long.
    Window day = ny.at(BudgetDuration.parse("1d"), t("2024-03-10T12:00:00Z"));
    assertThat(java.time.Duration.between(day.start(), day.end()).toHours()).isEqualTo(23);
    Window last = ny.at(h, day.end().minusSeconds(1));
    assertThat(last.end()).isEqualTo(day.end());
    assertThat(ny.at(h, day.end()).start()).isEqualTo(day.end());
  }

  @Test
  void at_hoursThatDoNotDivideADay_alignToEpochMultiples() {
    Window w = at("5h", "2025-03-12T10:17:45Z");
    long len = 5 * 3_600_000L;
    assertThat(w.start().toEpochMilli() % len).isZero();
    assertThat(w.end().toEpochMilli() - w.start().toEpochMilli()).isEqualTo(len);
    assertThat(w.contains(t("2025-03-12T10:17:45Z"))).isTrue();
  }
}

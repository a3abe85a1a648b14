package dev.tollgate.meter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.meter.Meter.Reading;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one-string form in which the Redis scripts return counter readings. */
class RedisReadingsTest {
  private static final List<String> NAMES = List.of("s|key|k1|", "w|key-rpm|k1|");

  @Test
  void parsesEveryFieldOfEveryReading() {
    List<Reading> rs =
        RedisMeter.readings(
            "1 9007199254740993 250 1700000000000 1700086400000 3 1200 1;0 0 7 60000 120000 0 0 0",
            2,
            NAMES::get);

    assertThat(rs.get(0))
        .isEqualTo(
            new Reading(
                "s|key|k1|",
                true,
                9_007_199_254_740_993L,
                250,
                1_700_000_000_000L,
                1_700_086_400_000L,
                3,
                1200,
                true));
    assertThat(rs.get(1))
        .isEqualTo(new Reading("w|key-rpm|k1|", false, 0, 7, 60_000, 120_000, 0, 0, false));
  }

  @Test
  void minusOneAsTheWindowEndMeansNoEnd() {
    Reading r = RedisMeter.readings("1 5 0 0 -1 0 0 0", 1, NAMES::get).get(0);

    assertThat(r.windowEnd()).isEqualTo(Long.MAX_VALUE);
    assertThat(r.used()).isEqualTo(5);
  }

  @Test
  void aReplyWithTooFewFieldsOrReadingsIsRefusedRatherThanMisread() {
    assertThatThrownBy(() -> RedisMeter.readings("1 5 0 0 -1 0 0", 1, NAMES::get))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> RedisMeter.readings("1 5 0 0 -1 0 0 0", 2, NAMES::get))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () -> RedisMeter.readings("1 5 0 0 -1 0 0 0;1 5 0 0 -1 0 0 0", 1, NAMES::get))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> RedisMeter.readings("1 5  0 -1 0 0 0 0", 1, NAMES::get))
        .isInstanceOf(IllegalStateException.class);
  }
}

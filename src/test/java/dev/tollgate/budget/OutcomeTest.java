package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.PriceSource;
import dev.tollgate.pricing.RateKey;
import dev.tollgate.pricing.Rates;
import dev.tollgate.pricing.Usage;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OutcomeTest {
  static final Usage USED = Usage.tokens(100, 20);
  static final GatewayException UPSTREAM_500 = GatewayException.badGateway("upstream 500", null);

  @Test
  void of_notForwarded_usedNothing() {
    Outcome o = Outcome.of(false, Optional.empty(), UPSTREAM_500, false);
    assertThat(o).isInstanceOf(Outcome.NotForwarded.class);
    assertThat(o.source()).isEqualTo(UsageSource.NONE);
    assertThat(o.usage()).isEqualTo(Usage.NONE);
  }

  @Test
  void of_reportedUsage_winsWhateverElseHappened() {
    assertThat(Outcome.of(true, Optional.of(USED), UPSTREAM_500, true))
        .isEqualTo(new Outcome.Reported(USED));
  }

  @Test
  void of_forwardedWithoutUsage_isUnreportedWhenTokensMayHaveBeenUsed() {
    assertThat(Outcome.of(true, Optional.empty(), null, false))
        .as("answered without usage")
        .isInstanceOf(Outcome.Unreported.class);
    assertThat(Outcome.of(true, Optional.empty(), UPSTREAM_500, true))
        .as("a stream that began, then failed")
        .isInstanceOf(Outcome.Unreported.class);
    assertThat(Outcome.of(true, Optional.empty(), GatewayException.timeout("slow"), false))
        .as("timed out after the upstream had the prompt")
        .isInstanceOf(Outcome.Unreported.class);
    assertThat(Outcome.of(true, Optional.empty(), GatewayException.clientClosed(), false))
        .as("client gone after the upstream had the prompt")
        .isInstanceOf(Outcome.Unreported.class);
    assertThat(Outcome.of(true, Optional.empty(), UPSTREAM_500, false))
        .as("refused by the upstream before any answer")
        .isInstanceOf(Outcome.Refused.class);
  }

  @Test
  void unreported_mustBeEstimatedBeforeItIsRecorded() {
    Outcome o = new Outcome.Unreported();
    assertThatThrownBy(o::source).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(o::usage).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void cost_isExactFromUsage_zeroWhenNothingUsed_emptyOnlyForAnUnknownPrice() {
    Price priced =
        new Price.Priced(
            new Rates(
                Map.of(
                    RateKey.INPUT, new BigDecimal("0.000002"),
                    RateKey.OUTPUT, new BigDecimal("0.00001"))),
            PriceSource.CUSTOM);
    assertThat(new Outcome.Estimated(USED).cost(priced))
        .isEqualTo(new Outcome.Reported(USED).cost(priced));
    // 100 input tokens at 2,000 nano-USD and 20 output at 10,000.
    assertThat(new Outcome.Estimated(USED).cost(priced)).hasValue(400_000);
    assertThat(new Outcome.Refused().cost(priced)).hasValue(0);
    assertThat(new Outcome.NotForwarded().cost(priced)).hasValue(0);
    assertThat(new Outcome.Estimated(USED).cost(Price.UNKNOWN)).isEmpty();
    assertThat(new Outcome.Refused().cost(Price.UNKNOWN)).isEmpty();
    assertThat(new Outcome.Estimated(USED).source()).isEqualTo(UsageSource.ESTIMATED);
  }
}

package dev.tollgate.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.provider.UpstreamRequest;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Anthropic requires {@code max_tokens}, so a chat request without one is sent with a bound the
 * format chooses; admission reserves for {@link AnthropicWire#impliedMaxTokens}, which must be
 * exactly the {@code max_tokens} sent, or more could be generated than was reserved.
 */
class ImpliedMaxTokensTest {
  @ParameterizedTest(name = "{0}, deployment max {1}")
  @CsvSource({
    "'', -1",
    "'', 64000",
    "',\"reasoning_effort\":\"high\"', -1",
    "',\"reasoning_effort\":\"low\"', 64000",
    "',\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000}', -1",
    "',\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000}', 8000",
  })
  void theReservedBound_isTheSentBound(String extra, long largest) {
    OptionalLong max = largest < 0 ? OptionalLong.empty() : OptionalLong.of(largest);
    UpstreamRequest up =
        Requests.chat(
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}",
            Optional.empty(),
            max);
    long sent = Requests.tree(AnthropicRequest.fromChat(up)).path("max_tokens").asLong();

    OptionalLong reserved =
        new AnthropicWire(Clock.systemUTC()).impliedMaxTokens(up.request(), max);

    assertThat(reserved).hasValue(sent);
    assertThat(sent).isPositive();
  }
}

package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.FakeAnthropic;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link BudgetScenariosIT} with the charged deployment on Anthropic's Messages API: every budget
 * level, restart and concurrency scenario, billed from Anthropic's usage (8 input, 4 cache-read, 5
 * output tokens: the same 0.000074 USD). The tag scenario is left out: it also calls embeddings and
 * text completions, which Anthropic does not serve.
 */
class AnthropicBudgetScenariosIT extends BudgetScenariosIT {
  private final FakeAnthropic anthropic =
      new FakeAnthropic()
          .fallback(
              FakeAnthropic.Reply.text("Hello there", new FakeAnthropic.Tokens(8, 5, 4, 0, 0)));

  @AfterEach
  void closeAnthropic() {
    try {
      // The scenarios charged this provider's deployment, not the OpenAI one beside it.
      assertThat(anthropic.received()).isNotEmpty();
    } finally {
      anthropic.close();
    }
  }

  @Override
  String customParams() {
    return "{model: anthropic/acme-internal, api_base: "
        + anthropic.apiBase()
        + ", api_key: sk-ant-test, max_tokens: 64,"
        + " input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}";
  }

  /**
   * Not run here (no embeddings or completions on Anthropic); {@link BudgetScenariosIT} runs it.
   */
  @Override
  void tagBudget_onChatCompletionsAndEmbeddings_blocksEveryRoute(Db db) {}

  /** Not run here: it charges only the unknown-priced deployment, which stays on OpenAI. */
  @Override
  void unknownPriceDeny_refusesCallersWithABudgetAtAnyLevel(Db db) {}
}

package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.FakeGemini;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link BudgetScenariosIT} with the charged deployment on the Gemini API: every budget level,
 * restart and concurrency scenario, billed from Gemini's usage metadata (12 prompt tokens of which
 * 4 cached, 5 candidates: the same 0.000074 USD). The tag scenario is left out: it also calls text
 * completions and embeddings on the same deployment, which a Gemini chat model does not serve.
 */
class GeminiBudgetScenariosIT extends BudgetScenariosIT {
  private final FakeGemini gemini =
      new FakeGemini()
          .fallback(FakeGemini.Reply.text("Hello there", new FakeGemini.Meta(12, 5, 4, 0)));

  @AfterEach
  void closeGemini() {
    try {
      // The scenarios charged this provider's deployment, not the OpenAI one beside it.
      assertThat(gemini.received()).isNotEmpty();
    } finally {
      gemini.close();
    }
  }

  @Override
  String customParams() {
    return "{model: gemini/acme-internal, api_base: "
        + gemini.apiBase()
        + ", api_key: gemini-test-key,"
        + " input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}";
  }

  /** Not run here (no completions or embeddings on a Gemini chat model). */
  @Override
  void tagBudget_onChatCompletionsAndEmbeddings_blocksEveryRoute(Db db) {}

  /** Not run here: it charges only the unknown-priced deployment, which stays on OpenAI. */
  @Override
  void unknownPriceDeny_refusesCallersWithABudgetAtAnyLevel(Db db) {}
}

package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.FakeBedrock;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link BudgetScenariosIT} with the charged deployment on AWS Bedrock's Converse API (a Bedrock
 * API key): every budget level, restart and concurrency scenario, billed from Bedrock's usage (8
 * input, 4 cache-read, 5 output tokens: the same 0.000074 USD). The tag scenario is left out: it
 * also calls text completions and embeddings on the same deployment, which a chat model on Bedrock
 * does not serve.
 */
class BedrockBudgetScenariosIT extends BudgetScenariosIT {
  private final FakeBedrock bedrock =
      new FakeBedrock("us-east-1")
          .fallback(FakeBedrock.Reply.text("Hello there", new FakeBedrock.Tokens(8, 5, 4, 0)));

  @AfterEach
  void closeBedrock() {
    try {
      // The scenarios charged this provider's deployment, not the OpenAI one beside it.
      assertThat(bedrock.received()).isNotEmpty();
    } finally {
      bedrock.close();
    }
  }

  @Override
  String customParams() {
    return "{model: bedrock/acme.internal-v1:0, api_base: "
        + bedrock.apiBase()
        + ", api_key: "
        + FakeBedrock.API_KEY
        + ", aws_region_name: us-east-1,"
        + " input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}";
  }

  /** Not run here (no completions or embeddings on a Bedrock chat model). */
  @Override
  void tagBudget_onChatCompletionsAndEmbeddings_blocksEveryRoute(Db db) {}

  /** Not run here: it charges only the unknown-priced deployment, which stays on OpenAI. */
  @Override
  void unknownPriceDeny_refusesCallersWithABudgetAtAnyLevel(Db db) {}
}

package dev.tollgate.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Anthropic's usage objects, whole or in stream parts, normalised. */
class AnthropicUsageTest {
  static AnthropicUsage read(AnthropicUsage u, String json) throws IOException {
    try (JsonParser p = Json.FACTORY.createParser(json)) {
      p.nextToken();
      u.read(p);
    }
    return u;
  }

  @Test
  void usage_withLifetimeBreakdown_splitsWrites5mAnd1h() throws IOException {
    AnthropicUsage u =
        read(
            new AnthropicUsage(),
            """
            {"input_tokens":100,"cache_creation_input_tokens":500,"cache_read_input_tokens":1000,
             "cache_creation":{"ephemeral_5m_input_tokens":200,"ephemeral_1h_input_tokens":300},
             "output_tokens":50,"service_tier":"standard","server_tool_use":null}
            """);
    assertThat(u.usage()).isEqualTo(new Usage(100, 50, 1000, 200, 300, 0, 0, 0, 0, 0));
  }

  @Test
  void usage_withoutBreakdown_allWritesAre5m() throws IOException {
    AnthropicUsage u =
        read(
            new AnthropicUsage(),
            "{\"input_tokens\":10,\"cache_creation_input_tokens\":40,\"output_tokens\":5}");
    assertThat(u.usage()).isEqualTo(new Usage(10, 5, 0, 40, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void usage_breakdownWithoutTotal_sumsTheBreakdown() throws IOException {
    AnthropicUsage u =
        read(
            new AnthropicUsage(),
            "{\"input_tokens\":1,\"cache_creation\":{\"ephemeral_5m_input_tokens\":7,"
                + "\"ephemeral_1h_input_tokens\":3},\"output_tokens\":2}");
    assertThat(u.usage()).isEqualTo(new Usage(1, 2, 0, 7, 3, 0, 0, 0, 0, 0));
  }

  @Test
  void usage_streamParts_deltaReplacesCountsAndKeepsTheBreakdown() throws IOException {
    AnthropicUsage u = new AnthropicUsage();
    read(
        u,
        """
        {"input_tokens":100,"cache_creation_input_tokens":500,"cache_read_input_tokens":1000,
         "cache_creation":{"ephemeral_5m_input_tokens":200,"ephemeral_1h_input_tokens":300},
         "output_tokens":1}
        """);
    read(u, "{\"output_tokens\":50}");
    assertThat(u.usage()).isEqualTo(new Usage(100, 50, 1000, 200, 300, 0, 0, 0, 0, 0));

    // A later delta with grown cumulative counts (server tools): unattributed writes are 5m.
    read(
        u,
        "{\"input_tokens\":120,\"cache_creation_input_tokens\":600,"
            + "\"cache_read_input_tokens\":null,\"output_tokens\":70}");
    assertThat(u.usage()).isEqualTo(new Usage(120, 70, 1000, 300, 300, 0, 0, 0, 0, 0));
  }
}

package dev.tollgate.provider.anthropic;

import static dev.tollgate.provider.anthropic.Requests.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.UpstreamResponse;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeAnthropic.Block;
import dev.tollgate.testing.FakeAnthropic.Reply;
import dev.tollgate.testing.FakeAnthropic.Text;
import dev.tollgate.testing.FakeAnthropic.Thinking;
import dev.tollgate.testing.FakeAnthropic.Tokens;
import dev.tollgate.testing.FakeAnthropic.ToolUse;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Any Messages answer, translated: the OpenAI answer keeps its text, its tool calls and its usage
 * totals, and the same answer streamed (cut into reads of any size) relays the same text, the same
 * tool calls and the same usage, so it is billed exactly the same.
 */
class AnthropicTranslationProperties {
  static final String MODEL = "claude-haiku-4-5";

  /** What an OpenAI answer or stream carried. */
  record Seen(
      String text, String reasoning, Map<Integer, String> calls, Map<Integer, String> args) {}

  @Property(tries = 300)
  void answer_keepsTextToolCallsAndUsageTotals(@ForAll("replies") Reply reply) {
    UpstreamResponse t =
        AnthropicAnswer.toChat(
            200,
            FakeAnthropic.message(reply, MODEL).toString().getBytes(StandardCharsets.UTF_8),
            false,
            0);

    JsonNode answer = tree(t.body());
    JsonNode message = answer.path("choices").get(0).path("message");
    assertThat(message.path("content").asText("")).isEqualTo(text(reply));
    List<ToolUse> uses = toolUses(reply);
    assertThat(message.path("tool_calls").size()).isEqualTo(uses.size());
    for (int i = 0; i < uses.size(); i++) {
      JsonNode call = message.path("tool_calls").get(i);
      assertThat(call.path("id").asText()).isEqualTo(uses.get(i).id());
      assertThat(call.path("function").path("name").asText()).isEqualTo(uses.get(i).name());
      assertThat(tree(call.path("function").path("arguments").asText()))
          .isEqualTo(tree(uses.get(i).inputJson()));
    }
    Tokens k = reply.usage();
    long prompt = k.input() + k.cacheRead() + k.cache5m() + k.cache1h();
    JsonNode usage = answer.path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(prompt);
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(k.output());
    assertThat(usage.path("total_tokens").asLong()).isEqualTo(prompt + k.output());
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong())
        .isEqualTo(k.cacheRead());
    assertThat(t.usage())
        .contains(
            new Usage(
                k.input(), k.output(), k.cacheRead(), k.cache5m(), k.cache1h(), 0, 0, 0, 0, 0));
  }

  @Property(tries = 300)
  void stream_relaysWhatTheAnswerHolds_andTheSameUsage(
      @ForAll("replies") Reply reply, @ForAll @IntRange(min = 1, max = 400) int readSize) {
    UpstreamResponse t =
        AnthropicAnswer.toChat(
            200,
            FakeAnthropic.message(reply, MODEL).toString().getBytes(StandardCharsets.UTF_8),
            false,
            0);
    RecordingSink sink = new RecordingSink();
    AnthropicStream relay = new AnthropicStream(sink, true, false, 0, MODEL);
    byte[] all =
        String.join("", FakeAnthropic.events(reply, MODEL)).getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < all.length; i += readSize) {
      relay.relay(Buffer.buffer().appendBytes(all, i, Math.min(readSize, all.length - i)));
    }

    assertThat(relay.end()).isEmpty();
    assertThat(seen(sink.text())).isEqualTo(seen(tree(t.body())));
    assertThat(sink.lastUsage()).isEqualTo(t.usage());
    String[] events = sink.text().split("\n\n");
    JsonNode usageChunk = tree(events[events.length - 2].substring(6));
    assertThat(usageChunk.path("usage")).isEqualTo(tree(t.body()).path("usage"));
  }

  /** What a stream's chunks carried, assembled. */
  static Seen seen(String stream) {
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    Map<Integer, String> calls = new TreeMap<>();
    Map<Integer, String> args = new TreeMap<>();
    for (String event : stream.split("\n\n")) {
      String data = event.substring(6);
      if (data.equals("[DONE]")) {
        continue;
      }
      for (JsonNode choice : tree(data).path("choices")) {
        JsonNode delta = choice.path("delta");
        text.append(delta.path("content").asText(""));
        reasoning.append(delta.path("reasoning_content").asText(""));
        for (JsonNode call : delta.path("tool_calls")) {
          int i = call.path("index").asInt();
          if (call.has("id")) {
            calls.put(
                i, call.path("id").asText() + "/" + call.path("function").path("name").asText());
          }
          args.merge(i, call.path("function").path("arguments").asText(""), String::concat);
        }
      }
    }
    args.replaceAll((i, a) -> tree(a).toString());
    return new Seen(text.toString(), reasoning.toString(), calls, args);
  }

  /** What an answer carried, as {@link #seen(String)} assembles a stream. */
  static Seen seen(JsonNode answer) {
    JsonNode message = answer.path("choices").get(0).path("message");
    Map<Integer, String> calls = new TreeMap<>();
    Map<Integer, String> args = new TreeMap<>();
    JsonNode toolCalls = message.path("tool_calls");
    for (int i = 0; i < toolCalls.size(); i++) {
      JsonNode call = toolCalls.get(i);
      calls.put(i, call.path("id").asText() + "/" + call.path("function").path("name").asText());
      args.put(i, tree(call.path("function").path("arguments").asText()).toString());
    }
    return new Seen(
        message.path("content").asText(""),
        message.path("reasoning_content").asText(""),
        calls,
        args);
  }

  static String text(Reply reply) {
    StringBuilder s = new StringBuilder();
    for (Block b : reply.content()) {
      if (b instanceof Text t) {
        s.append(t.text());
      }
    }
    return s.toString();
  }

  static List<ToolUse> toolUses(Reply reply) {
    List<ToolUse> out = new ArrayList<>();
    for (Block b : reply.content()) {
      if (b instanceof ToolUse t) {
        out.add(t);
      }
    }
    return out;
  }

  static Arbitrary<String> strings() {
    return Arbitraries.strings()
        .withCharRange(' ', '~')
        .withChars('\n', '\t', 'é', 'ü', '漢', '字', '\u00a0')
        .ofMaxLength(40);
  }

  @Provide
  Arbitrary<Reply> replies() {
    Arbitrary<Block> text = strings().map(s -> (Block) new Text(s));
    Arbitrary<Block> thinking =
        Combinators.combine(strings(), Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12))
            .as((t, sig) -> (Block) new Thinking(t, sig));
    Arbitrary<Block> tool =
        Combinators.combine(
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(10),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(10),
                Arbitraries.maps(
                        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8), strings())
                    .ofMaxSize(4))
            .as(
                (id, name, input) -> {
                  ObjectNode o = JsonNodeFactory.instance.objectNode();
                  input.forEach(o::put);
                  return (Block) new ToolUse("toolu_" + id, name, o.toString());
                });
    Arbitrary<List<Block>> blocks =
        Arbitraries.frequencyOf(Tuple.of(3, text), Tuple.of(2, tool), Tuple.of(1, thinking))
            .list()
            .ofMaxSize(5);
    Arbitrary<Long> counts = Arbitraries.longs().between(0, 2_000_000);
    Arbitrary<Tokens> tokens =
        Combinators.combine(counts, counts, counts, counts, counts).as(Tokens::new);
    Arbitrary<String> stops =
        Arbitraries.of(
            "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal");
    return Combinators.combine(blocks, stops, tokens)
        .as((b, stop, k) -> new Reply(b, stop, null, k));
  }
}

package dev.tollgate.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseFramerTest {
  static final String STREAM =
      "data: {\"a\":1}\n\n: a comment\n\ndata: {\"b\":\n  2}\r\n\r\ndata: [DONE]\n\n";

  static List<String> frame(List<String> chunks) {
    SseFramer f = new SseFramer();
    List<String> events = new ArrayList<>();
    for (String c : chunks) {
      f.feed(Buffer.buffer(c), e -> events.add(e.toString()));
    }
    return events;
  }

  @Test
  void feed_anySplitOfTheBytes_givesTheSameWholeEvents() {
    List<String> whole = frame(List.of(STREAM));
    assertThat(whole)
        .containsExactly(
            "data: {\"a\":1}\n\n",
            ": a comment\n\n",
            "data: {\"b\":\n  2}\r\n\r\n",
            "data: [DONE]\n\n");
    for (int i = 1; i < STREAM.length(); i++) {
      for (int j = i; j < STREAM.length(); j++) {
        assertThat(
                frame(List.of(STREAM.substring(0, i), STREAM.substring(i, j), STREAM.substring(j))))
            .as("split at %d and %d", i, j)
            .isEqualTo(whole);
      }
    }
  }

  @Test
  void feed_incompleteEvent_staysPending() {
    SseFramer f = new SseFramer();
    List<Buffer> events = new ArrayList<>();
    f.feed(Buffer.buffer("data: {\"a\":1}\n"), events::add);
    assertThat(events).isEmpty();
    assertThat(f.remainder().toString()).isEqualTo("data: {\"a\":1}\n");
  }

  @Test
  void data_joinsDataLines_andIsDoneRecognisesTheTerminator() {
    assertThat(SseFramer.data(Buffer.buffer("event: x\ndata: {\"b\":\ndata:  2}\n\n")))
        .isEqualTo("{\"b\":\n 2}");
    assertThat(SseFramer.isDone(Buffer.buffer("data: [DONE]\n\n"))).isTrue();
    assertThat(SseFramer.isDone(Buffer.buffer("data:[DONE]\n\n"))).isTrue();
    assertThat(SseFramer.isDone(Buffer.buffer("data: {\"text\":\"[DONE]\"}\n\n"))).isFalse();
  }
}

package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.pricing.Usage;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The bytes kept in Redis read back as the answer that was kept. */
class CachedAnswerTest {

  @Test
  void decode_ofEncode_sameAnswer_bodyByteForByte() {
    byte[] body = "data: {\"x\":1}\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
    Usage u = new Usage(12, 5, 3, 2, 1, 4, 0, 0, 0, 0);
    CachedAnswer a =
        new CachedAnswer(1_700_000_000_123L, true, "text/event-stream", body, Optional.of(u));

    CachedAnswer b = CachedAnswer.decode(a.encode());

    assertThat(b.storedAtMillis()).isEqualTo(a.storedAtMillis());
    assertThat(b.sse()).isTrue();
    assertThat(b.contentType()).isEqualTo("text/event-stream");
    assertThat(b.body()).isEqualTo(body);
    assertThat(b.usage()).contains(u);
  }

  @Test
  void decode_withoutUsage_noUsage() {
    CachedAnswer a =
        new CachedAnswer(5, false, "application/json", new byte[] {'{', '}'}, Optional.empty());
    assertThat(CachedAnswer.decode(a.encode()).usage()).isEmpty();
  }

  @Test
  void decode_notAnAnswer_refused() {
    assertThatThrownBy(() -> CachedAnswer.decode("no header".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CachedAnswer.decode("{\"t\":1}\n{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

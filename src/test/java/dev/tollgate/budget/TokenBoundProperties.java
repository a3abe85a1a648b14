package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.tollgate.common.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link TokenBound} is an upper bound on what OpenAI's tokenizers count for the inputs that a
 * bytes-per-token ratio under-counts: base64 and hex data, emoji (raw and {@code \}{@code
 * u}-escaped as Python's json writes them), CJK, and random code points; and for natural text.
 */
class TokenBoundProperties {
  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
  private static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
  private static final Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);

  @Property(tries = 300)
  void of_chatBody_boundsTheTokensOfItsContent(
      @ForAll("contents") String content, @ForAll boolean escapeNonAscii) {
    byte[] body = chatBody(content, escapeNonAscii);
    long bound = TokenBound.of(body, 0, body.length);
    int tokens = Math.max(O200K.countTokens(content), CL100K.countTokens(content));
    assertThat(bound).as("bound for %d tokens", tokens).isGreaterThanOrEqualTo(tokens);
  }

  @Property(tries = 100)
  void of_naturalText_staysNearAThirdOfItsBytes(@ForAll("english") String text) {
    byte[] body = chatBody(text, false);
    long bound = TokenBound.of(body, 0, body.length);
    // Not a token a byte: about a third, so a reservation does not hold three times its need.
    assertThat(bound).isLessThanOrEqualTo(body.length / 3 + 2);
  }

  @Provide
  Arbitrary<String> contents() {
    return Arbitraries.oneOf(
        Arbitraries.integers()
            .between(1, 6_000)
            .map(n -> Base64.getEncoder().encodeToString(randomBytes(n))),
        Arbitraries.integers().between(1, 4_000).map(n -> HexFormat.of().formatHex(randomBytes(n))),
        codePoints(0x1F300, 0x1FAFF),
        codePoints(0x4E00, 0x9FFF),
        codePoints(0x0400, 0x04FF),
        codePoints(0x10000, 0x1FFFF),
        codePoints(0x80, 0x7FF),
        english());
  }

  @Provide
  Arbitrary<String> english() {
    return Arbitraries.of(
            "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "budget", "gateway",
            "request", "tokens", "price", "model", "a", "is", "of", "and", "to", "in")
        .list()
        .ofMinSize(1)
        .ofMaxSize(2_000)
        .map(words -> String.join(" ", words) + ".");
  }

  private static Arbitrary<String> codePoints(int from, int to) {
    return Arbitraries.integers()
        .between(from, to)
        .filter(Character::isValidCodePoint)
        .filter(cp -> cp < 0xD800 || cp > 0xDFFF)
        .list()
        .ofMinSize(1)
        .ofMaxSize(3_000)
        .map(
            cps -> {
              StringBuilder sb = new StringBuilder();
              cps.forEach(sb::appendCodePoint);
              return sb.toString();
            });
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new java.util.Random(n * 31L).nextBytes(b);
    return b;
  }

  private static byte[] chatBody(String content, boolean escapeNonAscii) {
    return Json.write(
        g -> {
          try {
            if (escapeNonAscii) {
              g.enable(JsonGenerator.Feature.ESCAPE_NON_ASCII);
            }
            g.writeStartObject();
            g.writeStringField("model", "gpt-4o");
            g.writeArrayFieldStart("messages");
            g.writeStartObject();
            g.writeStringField("role", "user");
            g.writeStringField("content", content);
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}

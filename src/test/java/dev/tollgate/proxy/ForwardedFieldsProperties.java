package dev.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * What the gateway routes, admits and bills by is what the upstream runs: for generated request
 * bodies, the fields the gateway derives ({@code model}, {@code stream}, {@code stream_options},
 * {@code n}, {@code max_tokens}, {@code max_completion_tokens}, {@code user}) are read back from
 * the forwarded bytes with Jackson and compared with what the parser reported.
 */
class ForwardedFieldsProperties {

  /** One optional field: absent, null, or a value written by the generator. */
  record Field(String name, Optional<Object> value) {}

  @Property(tries = 2_000)
  void forwardedBody_carriesExactlyTheFieldsTheGatewayUsed(
      @ForAll("bodies") Tuple.Tuple2<String, Boolean> generated,
      @ForAll("models") String providerModel)
      throws Exception {
    String body = generated.get1();
    ParsedRequest r =
        RequestParser.parse(Endpoint.CHAT, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    byte[] forwarded = r.forUpstream(providerModel, true);

    // The strict parser: the forwarded body has no duplicate key either.
    JsonNode up = Json.STRICT_MAPPER.readTree(forwarded);
    JsonNode in = Json.MAPPER.readTree(body);

    assertThat(up.path("model").asText()).isEqualTo(providerModel);
    assertThat(up.path("stream").asBoolean(false)).isEqualTo(r.stream());
    if (r.stream()) {
      assertThat(up.path("stream_options").path("include_usage").asBoolean()).isTrue();
    } else {
      assertThat(up.get("stream_options")).isEqualTo(in.get("stream_options"));
    }
    assertThat(in.path("stream_options").path("include_usage").asBoolean(false))
        .isEqualTo(r.includeUsage());
    long n = up.path("n").isNumber() ? up.path("n").asLong() : 1;
    assertThat((long) r.choices()).isEqualTo(n);
    OptionalLong max = OptionalLong.empty();
    for (String f : List.of("max_tokens", "max_completion_tokens")) {
      if (up.path(f).isNumber()) {
        long v = up.path(f).asLong();
        max = OptionalLong.of(max.isPresent() ? Math.max(max.getAsLong(), v) : v);
      }
    }
    assertThat(r.maxTokens()).isEqualTo(max);
    Optional<String> user =
        up.path("user").isTextual() ? Optional.of(up.path("user").asText()) : Optional.empty();
    assertThat(r.user()).isEqualTo(user);
    // Everything else is forwarded as the client sent it.
    ObjectNode a = ((ObjectNode) in.deepCopy());
    ObjectNode b = ((ObjectNode) up.deepCopy());
    for (String f : List.of("model", "stream_options")) {
      a.remove(f);
      b.remove(f);
    }
    assertThat(b).isEqualTo(a);
  }

  @Provide
  Arbitrary<String> models() {
    return Arbitraries.oneOf(
        Arbitraries.strings().alpha().numeric().withChars("-./:_").ofMinLength(1).ofMaxLength(40),
        Arbitraries.strings().ofMinLength(1).ofMaxLength(20));
  }

  @Provide
  Arbitrary<Tuple.Tuple2<String, Boolean>> bodies() {
    Arbitrary<Optional<Object>> stream = option(Arbitraries.of(true, false));
    Arbitrary<Optional<Object>> streamOptions =
        option(
            Arbitraries.of(
                "{}",
                "{\"include_usage\":true}",
                "{\"include_usage\":false}",
                "{\"include_usage\":null}",
                "{\"other\":1,\"include_usage\":false}",
                "{\"other\":[1,{\"include_usage\":true}]}"));
    Arbitrary<Optional<Object>> n = option(Arbitraries.integers().between(1, 128));
    Arbitrary<Optional<Object>> maxTokens = option(Arbitraries.longs().between(0, 2_000_000));
    Arbitrary<Optional<Object>> maxCompletion = option(Arbitraries.longs().between(0, 2_000_000));
    Arbitrary<Optional<Object>> user =
        option(Arbitraries.strings().ofMaxLength(30).map(s -> (Object) s));
    Arbitrary<String> model = Arbitraries.strings().ofMinLength(1).ofMaxLength(20);
    return Combinators.combine(
            model,
            stream,
            streamOptions,
            n,
            maxTokens,
            maxCompletion,
            user,
            Arbitraries.of(true, false))
        .as(
            (m, s, so, nn, mt, mct, u, ascii) -> {
              List<Field> fields = new ArrayList<>();
              fields.add(new Field("model", Optional.of(m)));
              fields.add(new Field("messages", Optional.of(new RawJson(messages(m)))));
              maybe(fields, "stream", s);
              maybe(
                  fields,
                  "stream_options",
                  so.map(v -> v instanceof String j ? new RawJson(j) : v));
              maybe(fields, "n", nn);
              maybe(fields, "max_tokens", mt);
              maybe(fields, "max_completion_tokens", mct);
              maybe(fields, "user", u);
              Collections.shuffle(fields, new java.util.Random(m.hashCode() ^ fields.size()));
              return Tuple.of(write(fields, ascii), ascii);
            });
  }

  private static String messages(String content) {
    try {
      return Json.MAPPER.writeValueAsString(
          List.of(java.util.Map.of("role", "user", "content", content)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JSON fragment written as it is. */
  record RawJson(String json) {}

  private static Arbitrary<Optional<Object>> option(Arbitrary<?> values) {
    // absent, explicit null (Optional.of(NULL)), or a value
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(Optional.<Object>empty())),
        Tuple.of(1, Arbitraries.just(Optional.<Object>of(NULL))),
        Tuple.of(4, values.map(v -> Optional.<Object>of(v))));
  }

  private static final Object NULL = new Object();

  private static void maybe(List<Field> fields, String name, Optional<Object> v) {
    if (v.isPresent()) {
      fields.add(new Field(name, v));
    }
  }

  private static String write(List<Field> fields, boolean escapeNonAscii) {
    return new String(
        Json.write(
            g -> {
              try {
                if (escapeNonAscii) {
                  g.enable(JsonGenerator.Feature.ESCAPE_NON_ASCII);
                }
                g.writeStartObject();
                for (Field f : fields) {
                  g.writeFieldName(f.name());
                  Object v = f.value().orElseThrow();
                  if (v == NULL) {
                    g.writeNull();
                  } else if (v instanceof RawJson raw) {
                    Json.tree(g, Json.MAPPER.readTree(raw.json()));
                  } else if (v instanceof Boolean b) {
                    g.writeBoolean(b);
                  } else if (v instanceof Integer i) {
                    g.writeNumber(i);
                  } else if (v instanceof Long l) {
                    g.writeNumber(l);
                  } else {
                    g.writeString((String) v);
                  }
                }
                g.writeEndObject();
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }),
        java.nio.charset.StandardCharsets.UTF_8);
  }
}

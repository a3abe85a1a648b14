package dev.tollgate.provider;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * What the request path needs to know about an LLM request body, read once with the streaming
 * parser, plus the byte positions needed to rewrite it without re-serialising. Immutable.
 *
 * @param body the request body exactly as received
 * @param modelStart offset of the opening quote of the {@code model} value
 * @param modelEnd offset just past its closing quote
 * @param streamOptionsStart offset of the {@code stream_options} object's opening brace, or of its
 *     {@code null}, or -1
 * @param streamOptionsNull whether {@code stream_options} is {@code null}
 * @param streamOptionsEmpty whether that object has no fields
 * @param includeUsageStart offset of the {@code include_usage} value ({@code true}, {@code false}
 *     or {@code null}), or -1
 * @param includeUsageEnd offset just past it
 * @param includeUsage whether the client asked for the final usage chunk
 * @param user the {@code user} field: the end-user id, when given
 * @param maxTokens the larger of {@code max_tokens} and {@code max_completion_tokens}, when given
 * @param choices how many completions the upstream generates: {@code n}, or {@code best_of} on
 *     completions when larger; 1 when neither is given
 * @param tags {@code metadata.tags}, as LiteLLM reads them for tag budgets and spend
 * @param imageParts how many {@code image_url} parts the messages hold
 * @param inlineRanges the start and end offset of each inline image, in order, so that the
 *     reservation's token bound can leave them out (see {@code budget.TokenBound})
 * @param numRetries LiteLLM's {@code num_retries}, when the client set it: the gateway's to read,
 *     removed from {@code body}, as providers refuse it
 * @param fallbacks LiteLLM's {@code fallbacks} in the body: model groups to try, in order, once the
 *     requested one failed; removed from {@code body} likewise
 * @param mocks LiteLLM's testing fields ({@code mock_response}, {@code mock_testing_*}, {@code
 *     mock_timeout}), removed from {@code body} likewise
 * @param testingFields the names of the {@code mock_*} fields that fabricate a failure, as sent,
 *     whatever their value: refused unless the operator allows them
 */
public record ParsedRequest(
    Endpoint endpoint,
    byte[] body,
    String model,
    int modelStart,
    int modelEnd,
    boolean stream,
    int streamOptionsStart,
    boolean streamOptionsNull,
    boolean streamOptionsEmpty,
    int includeUsageStart,
    int includeUsageEnd,
    boolean includeUsage,
    Optional<String> user,
    OptionalLong maxTokens,
    int choices,
    List<String> tags,
    int imageParts,
    int[] inlineRanges,
    OptionalInt numRetries,
    List<String> fallbacks,
    RequestMocks mocks,
    List<String> testingFields) {

  public ParsedRequest {
    tags = List.copyOf(tags);
    fallbacks = List.copyOf(fallbacks);
    testingFields = List.copyOf(testingFields);
    if (choices < 1) {
      throw new IllegalArgumentException("choices must be at least 1");
    }
    if (inlineRanges.length % 2 != 0 || imageParts < inlineRanges.length / 2) {
      throw new IllegalArgumentException("inline image ranges out of range");
    }
    int from = 0;
    for (int i = 0; i < inlineRanges.length; i += 2) {
      if (inlineRanges[i] < from
          || inlineRanges[i + 1] < inlineRanges[i]
          || inlineRanges[i + 1] > body.length) {
        throw new IllegalArgumentException("inline image ranges out of order or outside the body");
      }
      from = inlineRanges[i + 1];
    }
  }

  /** A request without {@code num_retries}. */
  public ParsedRequest(
      Endpoint endpoint,
      byte[] body,
      String model,
      int modelStart,
      int modelEnd,
      boolean stream,
      int streamOptionsStart,
      boolean streamOptionsNull,
      boolean streamOptionsEmpty,
      int includeUsageStart,
      int includeUsageEnd,
      boolean includeUsage,
      Optional<String> user,
      OptionalLong maxTokens,
      int choices,
      List<String> tags,
      int imageParts,
      int[] inlineRanges) {
    this(
        endpoint,
        body,
        model,
        modelStart,
        modelEnd,
        stream,
        streamOptionsStart,
        streamOptionsNull,
        streamOptionsEmpty,
        includeUsageStart,
        includeUsageEnd,
        includeUsage,
        user,
        maxTokens,
        choices,
        tags,
        imageParts,
        inlineRanges,
        OptionalInt.empty(),
        List.of(),
        RequestMocks.NONE,
        List.of());
  }

  /**
   * A request in a provider's own format whose model the path names ({@link Endpoint#modelInPath}):
   * the body as the client sent it, read by nothing but the provider's format, to be sent to {@code
   * model}.
   */
  public static ParsedRequest opaque(Endpoint endpoint, byte[] body, String model, boolean stream) {
    return new ParsedRequest(
        endpoint,
        body,
        model,
        -1,
        -1,
        stream,
        -1,
        false,
        true,
        -1,
        -1,
        false,
        Optional.empty(),
        OptionalLong.empty(),
        1,
        List.of(),
        0,
        new int[0]);
  }

  /**
   * This request with LiteLLM's fields, which the body no longer carries, as the client set them:
   * {@code metadata.tags}, {@code num_retries}, {@code fallbacks} (model group names) and the
   * testing fields.
   */
  public ParsedRequest withLiteLlmFields(
      List<String> metadataTags,
      OptionalInt retries,
      List<String> groups,
      RequestMocks m,
      List<String> testing) {
    return new ParsedRequest(
        endpoint,
        body,
        model,
        modelStart,
        modelEnd,
        stream,
        streamOptionsStart,
        streamOptionsNull,
        streamOptionsEmpty,
        includeUsageStart,
        includeUsageEnd,
        includeUsage,
        user,
        maxTokens,
        choices,
        metadataTags,
        imageParts,
        inlineRanges,
        retries,
        groups,
        m,
        testing);
  }

  /** How many image parts carry the image inline, as a {@code data:image/...} URL. */
  public int inlineImages() {
    return inlineRanges.length / 2;
  }

  /**
   * The bytes of those URLs, which say little about the tokens an image costs: a provider scales an
   * image down to a bounded number of tokens.
   */
  public long inlineImageBytes() {
    long bytes = 0;
    for (int i = 0; i < inlineRanges.length; i += 2) {
      bytes += inlineRanges[i + 1] - inlineRanges[i];
    }
    return bytes;
  }

  /**
   * The body with {@code model} replaced by the deployment's provider model and, for a stream whose
   * client did not ask for usage, {@code stream_options.include_usage} set to true so that the
   * gateway can bill it. Every other byte is left as the client sent it.
   */
  public byte[] forUpstream(String providerModel, boolean forceIncludeUsage) {
    Edit model = new Edit(modelStart, modelEnd, quote(providerModel));
    Edit usage = null;
    if (forceIncludeUsage && stream && !includeUsage) {
      if (includeUsageStart >= 0) {
        usage = new Edit(includeUsageStart, includeUsageEnd, ascii("true"));
      } else if (streamOptionsNull) {
        usage =
            new Edit(streamOptionsStart, streamOptionsStart + 4, ascii("{\"include_usage\":true}"));
      } else if (streamOptionsStart >= 0) {
        String field = "\"include_usage\":true" + (streamOptionsEmpty ? "" : ",");
        usage = new Edit(streamOptionsStart + 1, streamOptionsStart + 1, ascii(field));
      } else {
        int at = firstBrace() + 1;
        usage = new Edit(at, at, ascii("\"stream_options\":{\"include_usage\":true},"));
      }
    }
    if (usage == null) {
      return model.applyTo(body, null);
    }
    return usage.start < model.start ? usage.applyTo(body, model) : model.applyTo(body, usage);
  }

  /** Replaces {@code body[start, end)} with {@code bytes}. */
  private record Edit(int start, int end, byte[] bytes) {
    /** Applies this edit and then {@code next}, which lies after it. */
    byte[] applyTo(byte[] body, @Nullable Edit next) {
      int len = body.length - (end - start) + bytes.length;
      if (next != null) {
        len += next.bytes.length - (next.end - next.start);
      }
      byte[] out = new byte[len];
      System.arraycopy(body, 0, out, 0, start);
      System.arraycopy(bytes, 0, out, start, bytes.length);
      int o = start + bytes.length;
      int tail = next == null ? body.length : next.start;
      System.arraycopy(body, end, out, o, tail - end);
      o += tail - end;
      if (next != null) {
        System.arraycopy(next.bytes, 0, out, o, next.bytes.length);
        o += next.bytes.length;
        System.arraycopy(body, next.end, out, o, body.length - next.end);
      }
      return out;
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private int firstBrace() {
    for (int i = 0; i < body.length; i++) {
      if (body[i] == '{') {
        return i;
      }
    }
    throw new IllegalStateException("a parsed request body is a JSON object");
  }

  /** A JSON string literal for {@code s}. */
  static byte[] quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString().getBytes(StandardCharsets.UTF_8);
  }
}

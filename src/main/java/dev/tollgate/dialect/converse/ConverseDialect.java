package dev.tollgate.dialect.converse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import dev.tollgate.dialect.NativeDialect;
import dev.tollgate.provider.Endpoint;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import java.util.zip.CRC32;

/**
 * Bedrock's Converse API as a client sends it to {@code /bedrock/model/{modelId}/converse} (or
 * {@code /converse-stream}): the request reaches a Bedrock deployment as it is, signed with the
 * deployment's credentials, and its answer and event stream come back as they are, billed from
 * their {@code usage}. The chat form ({@link ConverseChatForm}) is read only for admission; the API
 * is never bridged to another provider. Errors are Bedrock's shape, {@code {"message"}}, with the
 * exception's name as {@code __type}, where AWS's SDKs look when the {@code x-amzn-ErrorType}
 * header is absent; a stream that fails after its head ends with an exception message, framed as
 * the event stream frames it. Stateless; callable from any thread.
 */
public final class ConverseDialect extends NativeDialect {
  static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

  private final boolean stream;

  /** The dialect of {@code /converse-stream} when {@code stream}, else of {@code /converse}. */
  public ConverseDialect(boolean stream) {
    this.stream = stream;
  }

  @Override
  public Endpoint endpoint() {
    return Endpoint.CONVERSE;
  }

  @Override
  public byte[] toChat(byte[] body) {
    return ConverseChatForm.of(body, stream);
  }

  @Override
  public String streamContentType() {
    return EVENT_STREAM;
  }

  @Override
  public byte[] errorBody(GatewayException error) {
    return message(error);
  }

  /** The exception's name, where AWS's clients read it first. */
  @Override
  public void errorHeaders(GatewayException error, BiConsumer<String, String> put) {
    put.accept("x-amzn-ErrorType", exceptionType(error));
  }

  /** The event stream ends a failure with an exception message. */
  @Override
  protected Buffer errorEvent(GatewayException error) {
    return exception(exceptionType(error), message(error));
  }

  private static byte[] message(GatewayException e) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("__type", exceptionType(e));
    root.put("message", e.getMessage() == null ? "error" : e.getMessage());
    String code = e.code();
    if (code != null && !code.endsWith("Exception")) {
      root.put("tollgate_code", code);
    }
    return BodyJson.write(root);
  }

  /**
   * The exception an error is to a Bedrock client: the upstream's own when it named one, otherwise
   * the one Bedrock answers with that status.
   */
  static String exceptionType(GatewayException e) {
    String code = e.code();
    if (code != null && code.endsWith("Exception")) {
      return code;
    }
    return switch (e.status()) {
      case 400, 413 -> "ValidationException";
      case 401, 403 -> "AccessDeniedException";
      case 404 -> "ResourceNotFoundException";
      case 408, 504 -> "ModelTimeoutException";
      case 429 ->
          // A spent budget does not come back on retry; a rate limit does.
          e.type().equals("rate_limit_exceeded")
              ? "ThrottlingException"
              : "ServiceQuotaExceededException";
      case 503 -> "ServiceUnavailableException";
      default -> e.status() < 500 ? "ValidationException" : "InternalServerException";
    };
  }

  /**
   * One exception message in the event-stream framing: the prelude (total and header lengths, and
   * their CRC32), the string headers {@code :message-type}, {@code :exception-type} and {@code
   * :content-type}, the JSON payload, and the CRC32 of all of it.
   */
  static Buffer exception(String type, byte[] payload) {
    Buffer headers = Buffer.buffer();
    header(headers, ":message-type", "exception");
    header(headers, ":exception-type", type);
    header(headers, ":content-type", "application/json");
    int total = 12 + headers.length() + payload.length + 4;
    Buffer out = Buffer.buffer(total).appendInt(total).appendInt(headers.length());
    CRC32 crc = new CRC32();
    crc.update(out.getBytes(0, 8));
    out.appendUnsignedInt(crc.getValue());
    out.appendBuffer(headers).appendBytes(payload);
    crc.reset();
    crc.update(out.getBytes());
    return out.appendUnsignedInt(crc.getValue());
  }

  private static void header(Buffer out, String name, String value) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    out.appendByte((byte) n.length).appendBytes(n).appendByte((byte) 7);
    out.appendShort((short) v.length).appendBytes(v);
  }
}

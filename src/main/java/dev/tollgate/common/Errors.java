package dev.tollgate.common;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Renders {@link GatewayException} in OpenAI's error shape. The only place that does. */
public final class Errors {
  private Errors() {}

  /** The JSON body for an error: the upstream's own body when it sent one, else ours. */
  public static byte[] body(GatewayException e) {
    byte[] raw = e.rawBody();
    if (raw != null) {
      return raw;
    }
    return Json.write(
        g -> {
          try {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            Json.field(g, "message", e.getMessage());
            Json.field(g, "type", e.type());
            Json.field(g, "param", e.param());
            Json.field(g, "code", e.code());
            g.writeEndObject();
            g.writeEndObject();
          } catch (IOException x) {
            throw new UncheckedIOException(x);
          }
        });
  }

  /** Any throwable as a gateway error; unexpected ones become a 500 without their details. */
  public static GatewayException from(Throwable t) {
    if (t instanceof GatewayException g) {
      return g;
    }
    return GatewayException.internal("internal error in the gateway; see the gateway log", t);
  }
}

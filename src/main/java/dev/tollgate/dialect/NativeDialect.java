package dev.tollgate.dialect;

import dev.tollgate.common.GatewayException;
import io.vertx.core.buffer.Buffer;

/**
 * A provider's own API as a client speaks it on that provider's route (Gemini's {@code
 * generateContent}, Bedrock's Converse): it reaches only deployments that speak it, as it is, so it
 * is never bridged; {@link #toChat} is read for admission alone. Its stream is relayed as the
 * provider sent it, ended on failure by {@link #errorEvent}. Stateless.
 */
public abstract class NativeDialect implements Dialect {
  private final StreamEncoder passThrough =
      new StreamEncoder() {
        @Override
        public Buffer encode(Buffer events) {
          return events;
        }

        @Override
        public Buffer end() {
          return Buffer.buffer(0);
        }

        @Override
        public Buffer error(GatewayException error) {
          return errorEvent(error);
        }
      };

  /** What ends a stream that fails after its head, in this API's framing. */
  protected abstract Buffer errorEvent(GatewayException error);

  @Override
  public final boolean bridges() {
    return false;
  }

  @Override
  public final byte[] fromChat(byte[] chatAnswer, String model) {
    throw new IllegalStateException(endpoint() + " is never bridged");
  }

  @Override
  public final StreamEncoder encoder(String model) {
    throw new IllegalStateException(endpoint() + " is never bridged");
  }

  @Override
  public final StreamEncoder passThrough() {
    return passThrough;
  }
}

package dev.tollgate.proxy;

import java.security.SecureRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids that sort by time: a UUIDv7 (48 bits of epoch milliseconds, then randomness).
 * Thread-safe; cheap enough for the hot path.
 */
final class RequestIds {
  private static final long NODE = new SecureRandom().nextLong();

  private RequestIds() {}

  static String next() {
    long millis = System.currentTimeMillis();
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (millis << 16) | 0x7000L | (r.nextLong() & 0x0FFFL);
    long lsb = ((r.nextLong() ^ NODE) & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new java.util.UUID(msb, lsb).toString();
  }
}

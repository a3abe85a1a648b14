package dev.tollgate.routing;

import dev.tollgate.common.GatewayException;

/**
 * Which deployments are passed over for a while after failing too often. Thread-safe; times are
 * epoch milliseconds from the router's clock.
 */
public interface Cooldowns {
  /** {@code d} failed with {@code error} at {@code now}: may start its cooldown. */
  void failed(Deployment d, GatewayException error, long now);

  /** Whether deployment {@code id} is cooling down at {@code now}. */
  boolean cooling(String id, long now);

  /** When deployment {@code id}'s cooldown ends, or 0 when it is not cooling at {@code now}. */
  long coolingUntil(String id, long now);

  /** Never cools anything down. */
  Cooldowns NONE =
      new Cooldowns() {
        @Override
        public void failed(Deployment d, GatewayException error, long now) {}

        @Override
        public boolean cooling(String id, long now) {
          return false;
        }

        @Override
        public long coolingUntil(String id, long now) {
          return 0;
        }
      };
}

package dev.tollgate.meter;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.redis.client.impl.types.ErrorType;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** Which failures of a Redis command mean Redis cannot be used now, and which a wrong command. */
class RedisOutageTest {
  @Test
  void aConnectionClosedUnderACommandIsAnOutage() {
    // What the Vert.x client fails an in-flight command with when the server goes away.
    assertThat(RedisMeter.unreachable(ErrorType.create("CONNECTION_CLOSED"))).isTrue();
  }

  @Test
  void serverStatesThatRefuseWorkAreOutages() {
    for (String s : new String[] {"LOADING", "BUSY", "MASTERDOWN", "READONLY"}) {
      assertThat(RedisMeter.unreachable(ErrorType.create(s + " something"))).as(s).isTrue();
    }
    assertThat(RedisMeter.unreachable(new ConnectException("Connection refused"))).isTrue();
  }

  @Test
  void aWrongCommandIsNotAnOutage() {
    assertThat(RedisMeter.unreachable(ErrorType.create("ERR wrong number of arguments"))).isFalse();
    assertThat(RedisMeter.unreachable(ErrorType.create("WRONGTYPE Operation"))).isFalse();
  }
}

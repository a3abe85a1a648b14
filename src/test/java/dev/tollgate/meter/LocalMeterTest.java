package dev.tollgate.meter;

import io.vertx.core.Vertx;

/** The meter contract against the in-process meter; meters from the factory share counters. */
class LocalMeterTest extends MeterContract {
  private final LocalMeter shared = new LocalMeter();

  @Override
  protected Meter createMeter(Vertx vertx) {
    return shared;
  }
}

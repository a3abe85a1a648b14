package dev.tollgate.logging;

import org.jspecify.annotations.Nullable;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.simple.SimpleLoggerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding: slf4j-simple's configuration and text output, with {@link TollgateLogger}'s
 * JSON lines. Selected by the {@code slf4j.provider} system property, which {@code Main} sets, so
 * that slf4j-simple's own provider on the class path is not chosen instead.
 */
public final class TollgateServiceProvider implements SLF4JServiceProvider {
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();
  private @Nullable ILoggerFactory loggers;

  @Override
  public ILoggerFactory getLoggerFactory() {
    ILoggerFactory f = loggers;
    if (f == null) {
      throw new IllegalStateException("not initialized");
    }
    return f;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    loggers =
        new SimpleLoggerFactory() {
          @Override
          protected org.slf4j.Logger createLogger(String name) {
            return new TollgateLogger(name);
          }
        };
  }
}

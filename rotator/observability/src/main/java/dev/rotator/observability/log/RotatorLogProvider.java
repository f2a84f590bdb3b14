package dev.rotator.observability.log;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * rotator's SLF4J 2 provider (found through {@code META-INF/services}): text lines like slf4j-simple's, or
 * JSON lines, switchable at run time ({@link LogConfig}). Small on purpose: no appenders, no configuration
 * file; stderr, one line per event.
 */
public final class RotatorLogProvider implements SLF4JServiceProvider {
  private ILoggerFactory factory;
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new BasicMDCAdapter();

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
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
    Map<String, Logger> loggers = new ConcurrentHashMap<>();
    factory = name -> loggers.computeIfAbsent(name, RotatorLogger::new);
  }
}

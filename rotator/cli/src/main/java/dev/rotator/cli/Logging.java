package dev.rotator.cli;

import dev.rotator.config.LoggingSettings;
import dev.rotator.observability.log.LogConfig;
import org.slf4j.event.Level;

/**
 * rotator's log lines (stderr), through its own SLF4J provider ({@link LogConfig}): the format comes from
 * {@code --log-format}, else {@code logging.format} in rotator.yaml, else text; levels are set here.
 */
final class Logging {
  private Logging() {}

  /** Engine and adapters at WARN; freeze alerts ({@code rotator.alerts}) still at INFO. */
  static void quietEngine() {
    LogConfig.level("dev.rotator", Level.WARN);
  }

  /** The format of this command's log lines: the option when given, else the configuration's. */
  static void format(LogOptions.Format option, LoggingSettings configured) {
    LogConfig.Format f = option != null
        ? (option == LogOptions.Format.json ? LogConfig.Format.JSON : LogConfig.Format.TEXT)
        : (configured.format() == LoggingSettings.Format.JSON ? LogConfig.Format.JSON : LogConfig.Format.TEXT);
    LogConfig.format(f);
  }
}

package dev.rotator.config;

import java.util.Objects;

/**
 * Where alerts (freezes, errors, finished runs) go.
 *
 * @param log write alerts to rotator's log
 */
public record AlertSettings(Log log) {

  /**
   * Alerts in the log.
   *
   * @param enabled on or off
   */
  public record Log(boolean enabled) {}

  public AlertSettings {
    Objects.requireNonNull(log, "log");
  }

  public static AlertSettings defaults() {
    return new AlertSettings(new Log(true));
  }
}

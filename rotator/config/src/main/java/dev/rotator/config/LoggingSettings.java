package dev.rotator.config;

import java.util.Objects;

/**
 * rotator's own log lines (stderr).
 *
 * @param format {@code text} (one human line per event) or {@code json} (one JSON object per line)
 */
public record LoggingSettings(Format format) {

  /** Log line formats. */
  public enum Format {
    TEXT,
    JSON
  }

  public LoggingSettings {
    Objects.requireNonNull(format, "format");
  }

  public static LoggingSettings defaults() {
    return new LoggingSettings(Format.TEXT);
  }
}

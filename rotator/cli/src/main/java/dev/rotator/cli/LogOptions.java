package dev.rotator.cli;

import picocli.CommandLine.Option;

/** {@code --log-format}, for the commands that run rotations (run, serve). */
final class LogOptions {
  /** Log line formats. */
  enum Format {
    text,
    json
  }

  @Option(names = "--log-format", paramLabel = "FORMAT",
      description = "log lines on stderr: ${COMPLETION-CANDIDATES}; json is one object per line with time, level,"
          + " logger, message, run and node (default: logging.format in rotator.yaml, else text)")
  Format format;
}

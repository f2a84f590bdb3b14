package dev.rotator.cli;

/** Log levels set from the command line (slf4j-simple reads them when each logger is created). */
final class Logging {
  private Logging() {}

  /** Engine and adapters at WARN; freeze alerts ({@code rotator.alerts}) still at INFO. */
  static void quietEngine() {
    System.setProperty("org.slf4j.simpleLogger.log.dev.rotator", "warn");
  }
}

package dev.rotator.observability.log;

/** The logger class SLF4J hands out when rotator's provider is bound (package-private class, named here). */
final class RotatorLoggerClassName {
  static final String NAME = RotatorLogger.class.getName();

  private RotatorLoggerClassName() {}
}

package dev.rotator.cli;

/** Exit codes, documented in docs/cli.md and in every command's --help. */
public final class ExitCodes {
  /** Success (or nothing to do). */
  public static final int OK = 0;
  /** Runtime failure: API unreachable, unexpected error, simulator saw a safety violation. */
  public static final int RUNTIME = 1;
  /** Bad usage or bad configuration; nothing was touched. */
  public static final int USAGE = 2;
  /** Stopped by a health gate, or frozen. */
  public static final int FROZEN = 3;
  /** Another rotator holds the lock. */
  public static final int LOCKED = 4;

  private ExitCodes() {}

  static final String FOOTER =
      "%nExit codes: 0 ok, 1 runtime failure, 2 bad usage or config, 3 stopped by a gate or frozen,"
          + " 4 another rotator holds the lock.";
}

package dev.rotator.cli;

/** Bad usage the parser cannot see (conflicting options, a missing file): exit 2, nothing touched. */
public final class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}

package dev.rotator.slack;

import dev.rotator.core.port.ModeState;

/**
 * What {@code /rotator} commands act on. {@code rotator serve} implements it over the cluster's
 * StateStore ({@link StateStoreBackend}), so a Slack freeze writes the same persisted mode as {@code
 * rotator freeze}, and the CronJob and controller obey it on their next step. Implementations may throw
 * (a store that cannot be reached): the command then answers with the failure and changes nothing.
 */
public interface CommandBackend {

  /** The persisted mode and the last rotation's progress, as text for Slack. */
  String status();

  /**
   * Freezes (reason code MANUAL). An existing freeze keeps its original reason.
   *
   * @param reason the human's words
   * @param by who, e.g. {@code slack:U0123}
   * @return the mode now persisted
   */
  ModeState freeze(String reason, String by);

  /** Sets ROTATE. Returns the mode now persisted. */
  ModeState resume(String by);

  /** What the next run would rotate, as text for Slack. */
  String plan();
}

package dev.rotator.slack;

import java.time.Instant;

/**
 * One {@code /rotator} command, allowed or not.
 *
 * @param at when it arrived (clock time)
 * @param userId the Slack user ID (U0123...)
 * @param userName the Slack user name at the time (informational; authorization uses the ID)
 * @param teamId the workspace
 * @param channelId the channel it was typed in
 * @param command the subcommand ({@code freeze}, {@code resume}, ... or what was typed)
 * @param argument the rest of the text (a freeze reason), possibly empty
 * @param outcome what happened
 * @param detail why it was refused, what failed, or the resulting mode
 */
public record AuditEntry(
    Instant at,
    String userId,
    String userName,
    String teamId,
    String channelId,
    String command,
    String argument,
    Outcome outcome,
    String detail) {

  /** The result of a command. */
  public enum Outcome {
    /** Done. */
    OK,
    /** Refused: workspace, channel or user not allowed. */
    REFUSED,
    /** Allowed but failed (store unreachable, group lookup failed). */
    FAILED
  }

  /** The "by" written into the state history: {@code slack:U0123}. */
  public String by() {
    return "slack:" + userId;
  }

  /** One line for the log. */
  public String line() {
    return "slack command user=" + userId + " (" + userName + ") team=" + teamId + " channel=" + channelId
        + " command=" + command + (argument.isEmpty() ? "" : " argument=\"" + argument + "\"") + " outcome=" + outcome
        + (detail.isEmpty() ? "" : " detail=\"" + detail + "\"");
  }

  public AuditEntry {
    userId = userId == null ? "" : userId;
    userName = userName == null ? "" : userName;
    teamId = teamId == null ? "" : teamId;
    channelId = channelId == null ? "" : channelId;
    command = command == null ? "" : command;
    argument = argument == null ? "" : argument;
    detail = detail == null ? "" : detail;
  }
}

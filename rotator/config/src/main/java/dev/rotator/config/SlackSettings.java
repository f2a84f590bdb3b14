package dev.rotator.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code slack} section: alerts to a channel and the {@code /rotator} slash command (docs/slack.md).
 * Secrets are never values here: each is the name of an environment variable or the path of a file
 * (a mounted Kubernetes Secret), resolved when Slack is started.
 *
 * @param enabled whether rotator talks to Slack at all
 * @param apiUrl the Web API base ({@code https://slack.com/api/} when empty)
 * @param callTimeout bound of each Slack API call
 * @param botToken where the bot token (xoxb-) is: chat.postMessage and usergroups.users.list
 * @param signingSecret where the signing secret is (HTTP mode)
 * @param appToken where the app-level token (xapp-) is (Socket Mode)
 * @param alerts what is posted
 * @param commands who may run what
 */
public record SlackSettings(
    boolean enabled,
    Optional<String> apiUrl,
    Duration callTimeout,
    Optional<SecretRef> botToken,
    Optional<SecretRef> signingSecret,
    Optional<SecretRef> appToken,
    Alerts alerts,
    Commands commands) {

  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Where a secret is.
   *
   * @param env true: an environment variable; false: a file
   * @param name the variable's name or the file's path
   */
  public record SecretRef(boolean env, String name) {
    public SecretRef {
      Objects.requireNonNull(name, "name");
    }

    public static SecretRef env(String name) {
      return new SecretRef(true, name);
    }

    public static SecretRef file(String path) {
      return new SecretRef(false, path);
    }
  }

  /**
   * Alerts.
   *
   * @param enabled post alerts
   * @param channel channel ID (C0123...) or name the bot is a member of
   * @param nodeUpdates one threaded reply per rotated node under the run's message
   * @param mentionGroup user group ID (S0123...) mentioned on freezes, or empty
   * @param runbookBaseUrl prefix of runbook links (ends with '/'), or empty for paths without links
   * @param clusterName shown in every message, or empty
   * @param queueCapacity messages waiting at most
   * @param maxAttempts tries per message
   * @param initialBackoff first wait after a failure, doubling
   * @param maxBackoff longest backoff
   * @param maxRetryAfter longest Retry-After honoured
   */
  public record Alerts(
      boolean enabled,
      String channel,
      boolean nodeUpdates,
      Optional<String> mentionGroup,
      String runbookBaseUrl,
      String clusterName,
      int queueCapacity,
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      Duration maxRetryAfter) {

    public static Alerts defaults() {
      return new Alerts(true, "", true, Optional.empty(), "", "", 500, 5, Duration.ofSeconds(1), Duration.ofSeconds(30),
          Duration.ofSeconds(60));
    }
  }

  /** How commands reach rotator. */
  public enum Mode {
    /** Slack POSTs to {@code /slack/commands} on rotator serve's HTTP server (needs ingress). */
    HTTP,
    /** rotator opens a WebSocket to Slack (no ingress needed). */
    SOCKET
  }

  /**
   * Users and user groups.
   *
   * @param users Slack user IDs (U0123...)
   * @param groups Slack user group IDs (S0123...)
   */
  public record Access(List<String> users, List<String> groups) {
    public Access {
      users = List.copyOf(users);
      groups = List.copyOf(groups);
    }

    public static Access none() {
      return new Access(List.of(), List.of());
    }

    public boolean isEmpty() {
      return users.isEmpty() && groups.isEmpty();
    }
  }

  /**
   * The slash command.
   *
   * @param enabled serve the command
   * @param mode HTTP or SOCKET
   * @param command the command name as created in the Slack app
   * @param teams workspace IDs (T0123...) commands are taken from
   * @param channels channel IDs commands are taken in
   * @param freeze who may freeze (and see status and plan)
   * @param resume who may resume (and freeze, and see status and plan)
   * @param groupCacheTtl how long user-group membership is cached
   */
  public record Commands(
      boolean enabled,
      Mode mode,
      String command,
      List<String> teams,
      List<String> channels,
      Access freeze,
      Access resume,
      Duration groupCacheTtl) {
    public Commands {
      teams = List.copyOf(teams);
      channels = List.copyOf(channels);
    }

    public static Commands defaults() {
      return new Commands(true, Mode.HTTP, "/rotator", List.of(), List.of(), Access.none(), Access.none(),
          Duration.ofMinutes(5));
    }
  }

  public SlackSettings {
    Objects.requireNonNull(apiUrl, "apiUrl");
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(botToken, "botToken");
    Objects.requireNonNull(signingSecret, "signingSecret");
    Objects.requireNonNull(appToken, "appToken");
    Objects.requireNonNull(alerts, "alerts");
    Objects.requireNonNull(commands, "commands");
  }

  /** No Slack (an absent {@code slack} section). */
  public static SlackSettings disabled() {
    return new SlackSettings(false, Optional.empty(), DEFAULT_CALL_TIMEOUT, Optional.empty(), Optional.empty(),
        Optional.empty(), Alerts.defaults(), Commands.defaults());
  }

  /** Alerts go to Slack. */
  public boolean alertsOn() {
    return enabled && alerts.enabled();
  }

  /** {@code rotator serve} takes slash commands. */
  public boolean commandsOn() {
    return enabled && commands.enabled();
  }
}

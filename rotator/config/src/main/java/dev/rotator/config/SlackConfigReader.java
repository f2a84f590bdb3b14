package dev.rotator.config;

import dev.rotator.config.SlackSettings.Access;
import dev.rotator.config.SlackSettings.Alerts;
import dev.rotator.config.SlackSettings.Commands;
import dev.rotator.config.SlackSettings.SecretRef;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the {@code slack} section (see {@link SlackSettings} and docs/slack.md). Secrets are named, never
 * given: a value of a {@code *Env} or {@code *File} key that looks like a Slack token or signing secret is
 * refused, and so is any unknown key that looks like a credential ({@link Schema}).
 */
final class SlackConfigReader {
  static final int MAX_IDS = 500;
  static final int MIN_QUEUE = 1;
  static final int MAX_QUEUE = 100_000;
  static final int MAX_ATTEMPTS = 20;
  static final Duration MAX_CALL_TIMEOUT = Duration.ofMinutes(2);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(10);
  static final Duration MAX_GROUP_TTL = Duration.ofDays(1);

  private static final Pattern TOKEN_LIKE =
      Pattern.compile("(?i)(xox[abposre]|xapp)-[A-Za-z0-9-]{6,}|[0-9a-f]{32}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");
  private static final Pattern USER = Pattern.compile("[UW][A-Z0-9]{2,20}");
  private static final Pattern GROUP = Pattern.compile("S[A-Z0-9]{2,20}");
  private static final Pattern TEAM = Pattern.compile("[TE][A-Z0-9]{2,20}");
  private static final Pattern CHANNEL_ID = Pattern.compile("[CGD][A-Z0-9]{2,20}");
  private static final Pattern CHANNEL_NAME = Pattern.compile("#?[a-z0-9][a-z0-9._-]{0,79}");
  private static final Pattern COMMAND = Pattern.compile("/[a-z0-9_-]{1,31}");
  static final String NOT_HERE =
      "looks like a Slack token or signing secret itself; secrets are never written in rotator.yaml: put it in an"
          + " environment variable or a file (a Kubernetes Secret) and give its name here";

  private SlackConfigReader() {}

  static SlackSettings read(Section s) {
    SlackSettings d = SlackSettings.disabled();
    boolean enabled = s.bool("enabled", false);
    Optional<String> apiUrl = s.string("apiUrl", SlackConfigReader::httpUrl);
    Duration callTimeout = s.duration("callTimeout", ConfigLoader.MS, MAX_CALL_TIMEOUT, d.callTimeout());
    Optional<SecretRef> bot = secret(s, "botToken");
    Optional<SecretRef> signing = secret(s, "signingSecret");
    Optional<SecretRef> app = secret(s, "appToken");
    Alerts alerts = alerts(s.section("alerts"));
    Commands commands = commands(s.section("commands"));
    s.finish();
    if (enabled) {
      boolean groups = !commands.freeze().groups().isEmpty() || !commands.resume().groups().isEmpty();
      if (bot.isEmpty() && (alerts.enabled() || (commands.enabled() && groups))) {
        throw new ConfigException(
            s.keyPath("botTokenEnv"),
            "required (or botTokenFile): the bot token posts alerts and lists user groups; name the environment"
                + " variable, e.g. SLACK_BOT_TOKEN");
      }
      if (commands.enabled() && commands.mode() == SlackSettings.Mode.HTTP && signing.isEmpty()) {
        throw new ConfigException(
            s.keyPath("signingSecretEnv"),
            "required (or signingSecretFile) when slack.commands.mode is http: every request is checked against it");
      }
      if (commands.enabled() && commands.mode() == SlackSettings.Mode.SOCKET && app.isEmpty()) {
        throw new ConfigException(
            s.keyPath("appTokenEnv"),
            "required (or appTokenFile) when slack.commands.mode is socket: the app-level token (xapp-, scope"
                + " connections:write) opens the connection");
      }
      if (alerts.enabled() && alerts.channel().isEmpty()) {
        throw new ConfigException(s.keyPath("alerts.channel"), "required when slack alerts are enabled");
      }
      if (commands.enabled()) {
        if (commands.teams().isEmpty()) {
          throw new ConfigException(
              s.keyPath("commands.teams"), "required: the workspace ID(s) (T0123...) commands are taken from");
        }
        if (commands.channels().isEmpty()) {
          throw new ConfigException(
              s.keyPath("commands.channels"), "required: the channel ID(s) (C0123...) commands are taken in");
        }
        if (commands.freeze().isEmpty() && commands.resume().isEmpty()) {
          throw new ConfigException(
              s.keyPath("commands"),
              "nobody may freeze or resume: set freeze.users/freeze.groups and/or resume.users/resume.groups,"
                  + " or commands.enabled: false");
        }
      }
    }
    return new SlackSettings(enabled, apiUrl, callTimeout, bot, signing, app, alerts, commands);
  }

  private static Optional<SecretRef> secret(Section s, String name) {
    Optional<String> env = s.string(name + "Env", SlackConfigReader::envName);
    Optional<String> file = s.string(name + "File", SlackConfigReader::filePath);
    if (env.isPresent() && file.isPresent()) {
      throw new ConfigException(
          s.keyPath(name + "File"), "set either " + name + "Env or " + name + "File, not both");
    }
    return env.map(SecretRef::env).or(() -> file.map(SecretRef::file));
  }

  private static Alerts alerts(Section a) {
    Alerts d = Alerts.defaults();
    boolean enabled = a.bool("enabled", d.enabled());
    String channel = a.string("channel", SlackConfigReader::channel).orElse(d.channel());
    boolean nodeUpdates = a.bool("nodeUpdates", d.nodeUpdates());
    Optional<String> mention = a.string("mentionGroup", v -> id(v, GROUP, "a user group ID like S0123ABCD"));
    String runbook =
        a.string("runbookBaseUrl", SlackConfigReader::httpUrl).map(u -> u.endsWith("/") ? u : u + "/").orElse(d.runbookBaseUrl());
    String cluster = a.string("clusterName", v -> v.length() > 100 ? "at most 100 characters" : noSecret(v)).orElse(d.clusterName());
    int queue = a.integer("queueCapacity", MIN_QUEUE, MAX_QUEUE, d.queueCapacity());
    int attempts = a.integer("maxAttempts", 1, MAX_ATTEMPTS, d.maxAttempts());
    Duration initial = a.duration("initialBackoff", ConfigLoader.MS, MAX_BACKOFF, d.initialBackoff());
    Duration max = a.duration("maxBackoff", ConfigLoader.MS, MAX_BACKOFF, d.maxBackoff());
    Duration retryAfter = a.duration("maxRetryAfter", Duration.ofSeconds(1), MAX_BACKOFF, d.maxRetryAfter());
    a.finish();
    if (max.compareTo(initial) < 0) {
      throw new ConfigException(
          a.keyPath("maxBackoff"),
          Durations.format(max) + " must be at least initialBackoff (" + Durations.format(initial) + ")");
    }
    return new Alerts(enabled, channel, nodeUpdates, mention, runbook, cluster, queue, attempts, initial, max, retryAfter);
  }

  private static Commands commands(Section c) {
    Commands d = Commands.defaults();
    boolean enabled = c.bool("enabled", d.enabled());
    SlackSettings.Mode mode = c.enumValue("mode", SlackSettings.Mode.class, d.mode());
    String command = c.string("command", v -> COMMAND.matcher(v).matches() ? null
        : "expected a slash command like /rotator (lower case, at most 32 characters), got '" + Section.printable(v) + "'")
        .orElse(d.command());
    List<String> teams = ids(c, "teams", TEAM, "a workspace ID like T0123ABCD");
    List<String> channels = ids(c, "channels", CHANNEL_ID, "a channel ID like C0123ABCD (not a name: names change)");
    Access freeze = access(c.section("freeze"));
    Access resume = access(c.section("resume"));
    Duration ttl = c.duration("groupCacheTtl", Duration.ZERO, MAX_GROUP_TTL, d.groupCacheTtl());
    c.finish();
    return new Commands(enabled, mode, command, teams, channels, freeze, resume, ttl);
  }

  private static Access access(Section a) {
    List<String> users = ids(a, "users", USER, "a user ID like U0123ABCD (not a name: names change)");
    List<String> groups = ids(a, "groups", GROUP, "a user group ID like S0123ABCD");
    a.finish();
    return new Access(users, groups);
  }

  private static List<String> ids(Section s, String key, Pattern p, String what) {
    return s.strings(key, MAX_IDS, true, v -> id(v, p, what), null).orElse(List.of());
  }

  private static String id(String v, Pattern p, String what) {
    if (TOKEN_LIKE.matcher(v).find()) {
      return NOT_HERE;
    }
    return p.matcher(v).matches() ? null : "expected " + what + ", got '" + Section.printable(v) + "'";
  }

  private static String channel(String v) {
    if (TOKEN_LIKE.matcher(v).find()) {
      return NOT_HERE;
    }
    return CHANNEL_ID.matcher(v).matches() || CHANNEL_NAME.matcher(v).matches()
        ? null
        : "expected a channel ID like C0123ABCD (or a channel name), got '" + Section.printable(v) + "'";
  }

  private static String noSecret(String v) {
    return TOKEN_LIKE.matcher(v).find() ? NOT_HERE : null;
  }

  private static String envName(String v) {
    if (TOKEN_LIKE.matcher(v).find()) {
      return NOT_HERE;
    }
    return ENV_NAME.matcher(v).matches()
        ? null
        : "expected an environment variable name (letters, digits, '_', not starting with a digit), e.g."
            + " SLACK_BOT_TOKEN";
  }

  private static String filePath(String v) {
    if (TOKEN_LIKE.matcher(v).find()) {
      return NOT_HERE;
    }
    return v.isBlank() || v.length() > 4096 || v.indexOf('\0') >= 0
        ? "expected a file path such as /var/run/secrets/slack/bot-token"
        : null;
  }

  private static String httpUrl(String v) {
    if (TOKEN_LIKE.matcher(v).find()) {
      return NOT_HERE;
    }
    try {
      URI u = new URI(v);
      if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null && u.getUserInfo() == null
          && u.getQuery() == null && u.getFragment() == null) {
        return null;
      }
    } catch (URISyntaxException e) {
      // fall through
    }
    return "expected an http(s) URL without credentials, query or fragment, e.g. https://slack.com/api/";
  }
}

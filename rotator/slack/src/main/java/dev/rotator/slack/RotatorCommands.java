package dev.rotator.slack;

import com.slack.api.app_backend.slash_commands.payload.SlashCommandPayload;
import com.slack.api.app_backend.slash_commands.response.SlashCommandResponse;
import com.slack.api.bolt.App;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.ModeState;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /rotator} slash command: {@code status}, {@code freeze <reason>}, {@code resume}, {@code plan},
 * {@code help}. The same handler serves HTTP mode ({@link SlackHttpEndpoint}) and Socket Mode ({@link
 * SlackSocketMode}).
 *
 * <p>For each command: check the workspace, then the channel, then the user against {@link CommandPolicy}
 * (user groups through the {@link GroupDirectory}); refuse with an ephemeral reply and change nothing, or
 * run it on the {@link CommandBackend}. Every command, refused or not, is written to the audit log
 * ({@code rotator.audit}) and the {@link AuditSink}. Freezes and resumes answer in the channel, so that
 * everyone there sees who did it; everything else answers only to the user.
 */
public final class RotatorCommands {
  private static final Logger AUDIT = LoggerFactory.getLogger("rotator.audit");
  private static final Logger LOG = LoggerFactory.getLogger(RotatorCommands.class);
  static final int MAX_REASON = 500;

  /**
   * What Slack told us about a command.
   *
   * @param userId U0123...
   * @param userName display name (informational)
   * @param teamId T0123...
   * @param channelId C0123...
   * @param text everything after the command name
   */
  public record Request(String userId, String userName, String teamId, String channelId, String text) {
    public Request {
      userId = userId == null ? "" : userId;
      userName = userName == null ? "" : userName;
      teamId = teamId == null ? "" : teamId;
      channelId = channelId == null ? "" : channelId;
      text = text == null ? "" : text;
    }

    static Request of(SlashCommandPayload p) {
      return new Request(p.getUserId(), p.getUserName(), p.getTeamId(), p.getChannelId(), p.getText());
    }
  }

  /**
   * The answer.
   *
   * @param inChannel visible to the channel (freeze, resume) rather than only to the user
   * @param text mrkdwn
   */
  public record Reply(boolean inChannel, String text) {}

  private final CommandBackend backend;
  private final CommandPolicy policy;
  private final GroupDirectory groups;
  private final AuditSink audit;
  private final Clock clock;
  private final String commandName;

  /**
   * @param commandName the slash command as configured in the Slack app, e.g. {@code /rotator}
   */
  public RotatorCommands(
      CommandBackend backend, CommandPolicy policy, GroupDirectory groups, AuditSink audit, Clock clock,
      String commandName) {
    this.backend = Objects.requireNonNull(backend, "backend");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.groups = Objects.requireNonNull(groups, "groups");
    this.audit = audit == null ? AuditSink.NONE : audit;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.commandName = Objects.requireNonNull(commandName, "commandName");
    if (!commandName.matches("/[a-z0-9_-]{1,31}")) {
      throw new IllegalArgumentException("a slash command looks like /rotator, got " + commandName);
    }
  }

  public String commandName() {
    return commandName;
  }

  /** Registers the handler on a Bolt app. */
  public App register(App app) {
    app.command(commandName, (req, ctx) -> {
      Reply r = handle(Request.of(req.getPayload()));
      return ctx.ack(
          SlashCommandResponse.builder()
              .responseType(r.inChannel() ? "in_channel" : "ephemeral")
              .text(r.text())
              .build());
    });
    return app;
  }

  /** Runs one command: authorize, act, audit. Never throws. */
  public Reply handle(Request req) {
    String text = req.text().strip();
    int space = text.indexOf(' ');
    String sub = (space < 0 ? text : text.substring(0, space)).toLowerCase(Locale.ROOT);
    String arg = space < 0 ? "" : text.substring(space + 1).strip();
    if (sub.isEmpty()) {
      sub = "help";
    }
    String refusal = where(req);
    if (refusal != null) {
      return refuse(req, sub, arg, refusal);
    }
    try {
      return switch (sub) {
        case "help" -> done(req, sub, arg, false, help());
        case "status" -> canRead(req.userId())
            ? done(req, sub, arg, false, backend.status())
            : refuse(req, sub, arg, "you are not allowed to see rotator's status");
        case "plan" -> canRead(req.userId())
            ? done(req, sub, arg, false, backend.plan())
            : refuse(req, sub, arg, "you are not allowed to see rotator's plan");
        case "freeze" -> freeze(req, arg);
        case "resume" -> resume(req, arg);
        default -> refuse(req, sub, arg, "unknown command '" + SlackMessages.escape(sub) + "'\n" + help());
      };
    } catch (GroupDirectory.GroupLookupException e) {
      return fail(req, sub, arg, "could not check your user groups, so nothing was done: " + e.getMessage());
    } catch (RuntimeException e) {
      return fail(req, sub, arg, "failed, nothing may have changed: " + Secret.describe(e));
    }
  }

  private Reply freeze(Request req, String reason) {
    if (!canFreeze(req.userId())) {
      return refuse(req, "freeze", reason, "you are not allowed to freeze rotator");
    }
    if (reason.isEmpty()) {
      return refuse(req, "freeze", reason, "say why: `" + commandName + " freeze &lt;reason&gt;`");
    }
    if (reason.length() > MAX_REASON) {
      return refuse(req, "freeze", "", "the reason is longer than " + MAX_REASON + " characters");
    }
    ModeState s = backend.freeze(reason, "slack:" + req.userId());
    String text =
        s.by().equals("slack:" + req.userId()) && s.message().equals(reason)
            ? ":octagonal_sign: <@" + req.userId() + "> froze rotation: " + SlackMessages.escape(reason)
                + ". Every rotator stops before its next disruptive step."
            : ":octagonal_sign: Already frozen (" + SlackMessages.escape(s.reason()) + " by " + SlackMessages.escape(s.by())
                + "): " + SlackMessages.escape(s.message()) + ". The original reason is kept.";
    return done(req, "freeze", reason, true, text);
  }

  private Reply resume(Request req, String arg) {
    if (!canResume(req.userId())) {
      return refuse(req, "resume", arg, "you are not allowed to resume rotator (fewer people may resume than freeze)");
    }
    ModeState s = backend.resume("slack:" + req.userId());
    return done(req, "resume", arg, true,
        ":arrow_forward: <@" + req.userId() + "> resumed rotation (mode " + s.mode() + "). The next run rotates again.");
  }

  private String where(Request req) {
    if (!policy.teams().contains(req.teamId())) {
      return "this workspace is not allowed to control rotator";
    }
    if (!policy.channels().contains(req.channelId())) {
      return "rotator does not take commands in this channel";
    }
    return null;
  }

  boolean canResume(String user) {
    return policy.resumeUsers().contains(user) || inAny(policy.resumeGroups(), user);
  }

  boolean canFreeze(String user) {
    return policy.freezeUsers().contains(user) || inAny(policy.freezeGroups(), user) || canResume(user);
  }

  boolean canRead(String user) {
    return canFreeze(user);
  }

  private boolean inAny(Set<String> groupIds, String user) {
    for (String g : groupIds) {
      if (groups.members(g).contains(user)) {
        return true;
      }
    }
    return false;
  }

  private String help() {
    return "*" + commandName + "* commands:\n"
        + "• `" + commandName + " status`: the persisted mode and the last rotation's progress\n"
        + "• `" + commandName + " plan`: what the next run would rotate\n"
        + "• `" + commandName + " freeze &lt;reason&gt;`: stop every rotator before its next disruptive step\n"
        + "• `" + commandName + " resume`: allow rotation again (read the freeze's runbook first)\n"
        + "• `" + commandName + " help`: this text";
  }

  private Reply done(Request req, String sub, String arg, boolean inChannel, String text) {
    record(req, sub, arg, AuditEntry.Outcome.OK, inChannel ? text : "");
    return new Reply(inChannel, text);
  }

  private Reply refuse(Request req, String sub, String arg, String why) {
    record(req, sub, arg, AuditEntry.Outcome.REFUSED, why);
    return new Reply(false, ":no_entry: " + why);
  }

  private Reply fail(Request req, String sub, String arg, String why) {
    record(req, sub, arg, AuditEntry.Outcome.FAILED, why);
    return new Reply(false, ":warning: " + why);
  }

  private void record(Request req, String sub, String arg, AuditEntry.Outcome outcome, String detail) {
    AuditEntry e =
        new AuditEntry(clock.now(), req.userId(), req.userName(), req.teamId(), req.channelId(), sub, arg, outcome,
            Secret.redact(detail));
    if (outcome == AuditEntry.Outcome.OK) {
      AUDIT.info(e.line());
    } else {
      AUDIT.warn(e.line());
    }
    try {
      audit.record(e);
    } catch (RuntimeException ex) {
      LOG.error("audit sink failed for {}: {}", e.line(), Secret.describe(ex));
    }
  }
}

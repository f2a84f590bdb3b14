package dev.rotator.slack;

import com.slack.api.app_backend.slash_commands.payload.SlashCommandPayload;
import com.slack.api.app_backend.slash_commands.response.SlashCommandResponse;
import com.slack.api.bolt.App;
import dev.rotator.core.port.Clock;
import com.slack.api.webhook.WebhookResponse;
import dev.rotator.core.port.ModeState;
import java.io.IOException;
import java.time.Duration;
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
 *
 * <p>{@code plan} may take longer than the 3 seconds Slack waits for an answer (it lists the cluster's nodes
 * and PDBs), so once authorized it is acknowledged at once ("working on the plan…") and computed on a
 * {@link DeferredWork} (one worker, {@link Limits#planQueue} waiting at most, {@link Limits#planTimeout}
 * from acknowledgement to answer); the result, or an error, is posted later to the request's {@code
 * response_url} through the {@link FollowUp}. When the queue is full the answer is an immediate "busy". Its
 * audit entry is written when the plan settles, with the final outcome. Close this to stop the worker.
 */
public final class RotatorCommands implements AutoCloseable {
  private static final Logger AUDIT = LoggerFactory.getLogger("rotator.audit");
  private static final Logger LOG = LoggerFactory.getLogger(RotatorCommands.class);
  static final int MAX_REASON = 500;
  /** Slack truncates message text beyond 40,000 characters; cut earlier and say so. */
  static final int MAX_TEXT = 38_000;

  /**
   * Bounds of the deferred {@code plan}.
   *
   * @param planQueue plans that may wait while one is computed; one more gets "busy"
   * @param planTimeout from acknowledgement to answer (waiting in the queue counts); Slack's response_url
   *     accepts answers for 30 minutes
   */
  public record Limits(int planQueue, Duration planTimeout) {
    public static final Limits DEFAULT = new Limits(4, Duration.ofMinutes(2));

    public Limits {
      if (planQueue < 1) {
        throw new IllegalArgumentException("planQueue must be at least 1, got " + planQueue);
      }
      Objects.requireNonNull(planTimeout, "planTimeout");
      if (planTimeout.isNegative() || planTimeout.isZero() || planTimeout.compareTo(Duration.ofMinutes(29)) > 0) {
        throw new IllegalArgumentException("planTimeout must be positive and under Slack's 30 minutes, got " + planTimeout);
      }
    }
  }

  /**
   * Sends a later answer to the command's {@code response_url} (Bolt's {@code ctx.respond}).
   *
   * @throws IOException when it could not be delivered (network, or Slack answered other than 200)
   */
  @FunctionalInterface
  public interface FollowUp {
    void send(Reply reply) throws IOException;
  }

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
  private final DeferredWork plans;

  /** With {@link Limits#DEFAULT}. */
  public RotatorCommands(
      CommandBackend backend, CommandPolicy policy, GroupDirectory groups, AuditSink audit, Clock clock,
      String commandName) {
    this(backend, policy, groups, audit, clock, commandName, Limits.DEFAULT);
  }

  /**
   * @param commandName the slash command as configured in the Slack app, e.g. {@code /rotator}
   */
  public RotatorCommands(
      CommandBackend backend, CommandPolicy policy, GroupDirectory groups, AuditSink audit, Clock clock,
      String commandName, Limits limits) {
    this.backend = Objects.requireNonNull(backend, "backend");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.groups = Objects.requireNonNull(groups, "groups");
    this.audit = audit == null ? AuditSink.NONE : audit;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.commandName = Objects.requireNonNull(commandName, "commandName");
    if (!commandName.matches("/[a-z0-9_-]{1,31}")) {
      throw new IllegalArgumentException("a slash command looks like /rotator, got " + commandName);
    }
    Objects.requireNonNull(limits, "limits");
    this.plans = new DeferredWork(limits.planQueue(), limits.planTimeout(), "slack-plan");
  }

  /** Stops the plan worker; plans still waiting are dropped unanswered. */
  @Override
  public void close() {
    plans.close();
  }

  public String commandName() {
    return commandName;
  }

  /** Registers the handler on a Bolt app. */
  public App register(App app) {
    app.command(commandName, (req, ctx) -> {
      String url = ctx.getResponseUrl();
      FollowUp later =
          url == null || url.isBlank()
              ? null
              : reply -> {
                  WebhookResponse w = ctx.respond(response(reply));
                  if (w == null || w.getCode() == null || w.getCode() != 200) {
                    throw new IOException("Slack answered HTTP " + (w == null ? "nothing" : w.getCode()));
                  }
                };
      Reply r = handle(Request.of(req.getPayload()), later);
      return ctx.ack(response(r));
    });
    return app;
  }

  private static SlashCommandResponse response(Reply r) {
    return SlashCommandResponse.builder()
        .responseType(r.inChannel() ? "in_channel" : "ephemeral")
        .text(r.text())
        .build();
  }

  /**
   * Runs one command: authorize, act, audit. Never throws. {@code plan} is only acknowledged here; its
   * answer goes to {@code later}.
   *
   * @param later the way to answer after this returns, or null when the request carries no response_url
   *     ({@code plan} then fails at once)
   */
  public Reply handle(Request req, FollowUp later) {
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
            ? deferPlan(req, arg, later)
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

  private Reply deferPlan(Request req, String arg, FollowUp later) {
    if (later == null) {
      return fail(req, "plan", arg, "Slack sent no response_url to answer on later; run `rotator plan` instead");
    }
    boolean accepted = plans.submit(backend::plan, result -> settlePlan(req, arg, later, result));
    if (!accepted) {
      return fail(req, "plan", arg, "busy computing other plans, try again in a minute");
    }
    return new Reply(false, ":hourglass_flowing_sand: working on the plan… the answer follows here.");
  }

  /** On the plan worker or its watchdog: answer through the response_url, then audit the final outcome. */
  private void settlePlan(Request req, String arg, FollowUp later, DeferredWork.Result result) {
    Reply reply;
    AuditEntry.Outcome outcome;
    String detail;
    if (result instanceof DeferredWork.Result.Done d) {
      reply = new Reply(false, cut(d.text() == null ? "" : d.text()));
      outcome = AuditEntry.Outcome.OK;
      detail = "";
    } else if (result instanceof DeferredWork.Result.Failed f) {
      detail = "could not compute the plan: " + Secret.describe(f.error());
      reply = new Reply(false, ":warning: " + detail);
      outcome = AuditEntry.Outcome.FAILED;
    } else {
      detail = "the plan did not finish within " + seconds(((DeferredWork.Result.TimedOut) result).after())
          + " (the cluster is slow or another plan is stuck); try again later or run `rotator plan`";
      reply = new Reply(false, ":warning: " + detail);
      outcome = AuditEntry.Outcome.FAILED;
    }
    try {
      later.send(reply);
    } catch (IOException | RuntimeException e) {
      // The audit line below (rotator.audit, WARN) is the log of this failure.
      outcome = AuditEntry.Outcome.FAILED;
      String why = "the answer could not be posted to Slack: " + Secret.describe(e);
      detail = detail.isEmpty() ? why : detail + "; " + why;
    }
    record(req, "plan", arg, outcome, detail);
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String cut(String text) {
    if (text.length() <= MAX_TEXT) {
      return text;
    }
    int lines = (int) text.substring(MAX_TEXT).chars().filter(c -> c == '\n').count() + 1;
    return text.substring(0, MAX_TEXT) + "\n… cut here (about " + lines + " more line(s)); run `rotator plan` for the whole plan.";
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

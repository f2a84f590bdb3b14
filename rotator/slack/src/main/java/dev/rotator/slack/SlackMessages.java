package dev.rotator.slack;

import com.slack.api.model.block.ContextBlock;
import com.slack.api.model.block.ContextBlockElement;
import com.slack.api.model.block.HeaderBlock;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.SectionBlock;
import com.slack.api.model.block.composition.MarkdownTextObject;
import com.slack.api.model.block.composition.PlainTextObject;
import com.slack.api.model.block.composition.TextObject;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.RotationEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns rotation events into Block Kit messages. Pure: no I/O, so the layout is tested without Slack.
 * Everything that comes from the cluster (node names, evidence) is escaped, so that a pod called
 * {@code <!channel>} cannot ping a channel.
 */
public final class SlackMessages {
  /** Slack's limit for a section's text is 3000 characters; stay below it. */
  static final int MAX_SECTION = 2900;
  /** Slack allows 50 blocks per message; keep room for the header and footer blocks. */
  static final int MAX_EVIDENCE_SECTIONS = 40;
  static final int MAX_HEADER = 150;

  private final String runbookBaseUrl;
  private final Optional<String> mentionGroupId;
  private final String cluster;

  /**
   * @param runbookBaseUrl prefix of runbook links; the runbook's path ({@code runbooks/drain-timeout.md}) is
   *     appended, so it ends with '/', e.g. {@code https://github.com/acme/rotator/blob/main/}
   * @param mentionGroupId a Slack user group ID (S0123...) mentioned on freezes, or empty
   * @param cluster a name for the cluster shown in every message, or empty
   */
  public SlackMessages(String runbookBaseUrl, Optional<String> mentionGroupId, String cluster) {
    this.runbookBaseUrl = runbookBaseUrl == null ? "" : runbookBaseUrl;
    this.mentionGroupId = mentionGroupId == null ? Optional.empty() : mentionGroupId;
    this.cluster = cluster == null ? "" : cluster;
  }

  /** The message for an event. {@code nodesDone} and {@code took} are known for FINISHED only. */
  public SlackMessage event(RotationEvent e, int nodesDone, Optional<Duration> took) {
    return switch (e.type()) {
      case STARTED -> started(e);
      case NODE_DONE -> nodeDone(e);
      case FROZEN -> frozen(e);
      case FINISHED -> finished(e, nodesDone, took);
      case ERROR -> error(e);
      // Types added to the port later (e.g. POD_DELETED) are shown generically rather than dropped.
      default -> other(e);
    };
  }

  SlackMessage started(RotationEvent e) {
    String title = ":arrows_counterclockwise: Rotation started" + where();
    List<LayoutBlock> b = new ArrayList<>();
    b.add(header(title));
    b.add(section(escape(e.message())));
    addEvidence(b, e.evidence());
    b.add(context("run `" + escape(e.runId()) + "` · node updates follow in the thread"));
    return new SlackMessage(plain(title) + ": " + e.message(), b);
  }

  SlackMessage nodeDone(RotationEvent e) {
    String text = ":white_check_mark: `" + escape(e.node()) + "` " + escape(e.message().isEmpty() ? "rotated" : e.message());
    return new SlackMessage("node " + e.node() + " rotated", List.of(section(text)));
  }

  SlackMessage frozen(RotationEvent e) {
    String reason = e.reason().isEmpty() ? "UNKNOWN" : e.reason();
    String title = ":octagonal_sign: Rotation FROZEN" + where() + ": " + reason;
    List<LayoutBlock> b = new ArrayList<>();
    b.add(header(title));
    String mention = mentionGroupId.map(id -> "<!subteam^" + id + "> ").orElse("");
    b.add(section(mention + "*" + escape(reason) + "*: " + escape(e.message())));
    List<TextObject> fields = new ArrayList<>();
    fields.add(markdown("*Run*\n`" + escape(e.runId()) + "`"));
    if (!e.node().isEmpty()) {
      fields.add(markdown("*Node*\n`" + escape(e.node()) + "`"));
    }
    runbook(e.reason()).ifPresent(url -> fields.add(markdown("*Runbook*\n<" + url + "|" + runbookPath(e.reason()) + ">")));
    b.add(SectionBlock.builder().fields(fields).build());
    addEvidence(b, e.evidence());
    b.add(context("Nothing more is disrupted until a human resumes: read the runbook, then `/rotator resume`"
        + " or `rotator resume`."));
    String fallback = plain(title) + ": " + e.message() + runbook(e.reason()).map(u -> " (runbook: " + u + ")").orElse("");
    return new SlackMessage(mention + fallback, b);
  }

  SlackMessage finished(RotationEvent e, int nodesDone, Optional<Duration> took) {
    String title = ":checkered_flag: Rotation finished" + where();
    List<LayoutBlock> b = new ArrayList<>();
    b.add(header(title));
    b.add(section(escape(e.message())));
    List<TextObject> fields = new ArrayList<>();
    fields.add(markdown("*Nodes rotated*\n" + nodesDone));
    took.ifPresent(d -> fields.add(markdown("*Duration*\n" + human(d))));
    fields.add(markdown("*Run*\n`" + escape(e.runId()) + "`"));
    b.add(SectionBlock.builder().fields(fields).build());
    return new SlackMessage(plain(title) + ": " + e.message(), b);
  }

  SlackMessage error(RotationEvent e) {
    String title = ":warning: Rotation error" + where() + (e.reason().isEmpty() ? "" : ": " + e.reason());
    List<LayoutBlock> b = new ArrayList<>();
    b.add(header(title));
    b.add(section(escape(e.message())));
    addEvidence(b, e.evidence());
    List<String> ctx = new ArrayList<>();
    ctx.add("run `" + escape(e.runId()) + "`");
    if (!e.node().isEmpty()) {
      ctx.add("node `" + escape(e.node()) + "`");
    }
    runbook(e.reason()).ifPresent(url -> ctx.add("<" + url + "|runbook>"));
    b.add(context(String.join(" · ", ctx)));
    return new SlackMessage(plain(title) + ": " + e.message(), b);
  }

  SlackMessage other(RotationEvent e) {
    String title = ":information_source: " + e.type().name().toLowerCase(Locale.ROOT).replace('_', ' ') + where();
    List<LayoutBlock> b = new ArrayList<>();
    b.add(section("*" + escape(plain(title)) + "*" + (e.node().isEmpty() ? "" : " `" + escape(e.node()) + "`") + ": "
        + escape(e.message())));
    addEvidence(b, e.evidence());
    return new SlackMessage(plain(title) + ": " + e.message(), b);
  }

  /** A human (or rotator) changed the persisted mode: resume, or a manual freeze. */
  public SlackMessage modeChanged(ModeState s) {
    String who = who(s.by());
    if (s.frozen()) {
      String title = ":octagonal_sign: Rotation FROZEN" + where() + " by " + plain(s.by());
      List<LayoutBlock> b = new ArrayList<>();
      b.add(header(title));
      String mention = mentionGroupId.map(id -> "<!subteam^" + id + "> ").orElse("");
      b.add(section(mention + "Frozen by " + who + ": *" + escape(s.reason()) + "*"
          + (s.message().isEmpty() ? "" : " " + escape(s.message()))));
      addEvidence(b, s.evidence());
      runbook(s.reason()).ifPresent(url -> b.add(context("<" + url + "|" + runbookPath(s.reason()) + ">")));
      return new SlackMessage(mention + plain(title) + ": " + s.message(), b);
    }
    String title = ":arrow_forward: Rotation resumed" + where();
    List<LayoutBlock> b = new ArrayList<>();
    b.add(header(title));
    b.add(section("Resumed by " + who + ". The next run (CronJob or controller) rotates again."));
    return new SlackMessage(plain(title) + " by " + s.by(), b);
  }

  private void addEvidence(List<LayoutBlock> b, List<String> evidence) {
    if (evidence.isEmpty()) {
      return;
    }
    // Every line is shown; lines are packed into as few sections as Slack's limits allow.
    StringBuilder cur = new StringBuilder("*Evidence*\n");
    int sections = 0;
    int shown = 0;
    for (String line : evidence) {
      String item = "• " + escape(line) + "\n";
      if (item.length() > MAX_SECTION) {
        item = item.substring(0, MAX_SECTION - 2) + "…\n";
      }
      if (cur.length() + item.length() > MAX_SECTION) {
        if (sections + 1 >= MAX_EVIDENCE_SECTIONS) {
          break;
        }
        b.add(section(cur.toString().stripTrailing()));
        sections++;
        cur = new StringBuilder();
      }
      cur.append(item);
      shown++;
    }
    if (shown < evidence.size()) {
      cur.append("_… ").append(evidence.size() - shown).append(" more line(s): see `rotator status`_");
    }
    if (!cur.isEmpty()) {
      b.add(section(cur.toString().stripTrailing()));
    }
  }

  /** The runbook URL for a reason code, if it is one. */
  Optional<String> runbook(String reason) {
    String path = runbookPath(reason);
    return path.isEmpty() || runbookBaseUrl.isEmpty() ? Optional.empty() : Optional.of(runbookBaseUrl + path);
  }

  static String runbookPath(String reason) {
    if (reason == null || reason.isEmpty()) {
      return "";
    }
    try {
      return ReasonCode.valueOf(reason).runbook();
    } catch (IllegalArgumentException unknown) {
      return "";
    }
  }

  private String where() {
    return cluster.isEmpty() ? "" : " on " + cluster;
  }

  private static String who(String by) {
    if (by.startsWith("slack:") && by.length() > 6) {
      return "<@" + escape(by.substring(6)) + ">";
    }
    return "`" + escape(by.isEmpty() ? "unknown" : by) + "`";
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m " + (s % 60) + "s";
    }
    return (s / 3600) + "h " + ((s % 3600) / 60) + "m";
  }

  /** Slack's mrkdwn escaping: &, < and > are the only control characters. */
  static String escape(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** Emoji shortcodes dropped, for fallback text. */
  private static String plain(String s) {
    return s.replaceAll(":[a-z_]+: ", "");
  }

  private static HeaderBlock header(String text) {
    String t = text.length() > MAX_HEADER ? text.substring(0, MAX_HEADER - 1) + "…" : text;
    return HeaderBlock.builder().text(PlainTextObject.builder().text(t).emoji(true).build()).build();
  }

  private static SectionBlock section(String mrkdwn) {
    String t = mrkdwn.length() > MAX_SECTION ? mrkdwn.substring(0, MAX_SECTION - 1) + "…" : mrkdwn;
    return SectionBlock.builder().text(markdown(t)).build();
  }

  private static MarkdownTextObject markdown(String text) {
    return MarkdownTextObject.builder().text(text.isEmpty() ? " " : text).build();
  }

  private static ContextBlock context(String mrkdwn) {
    List<ContextBlockElement> els = List.of(markdown(mrkdwn));
    return ContextBlock.builder().elements(els).build();
  }

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}

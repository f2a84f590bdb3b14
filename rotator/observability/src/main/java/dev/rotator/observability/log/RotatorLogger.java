package dev.rotator.observability.log;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * One logger of rotator's SLF4J provider: formats a call as a text line ({@code 2026-11-21T10:00:00.000Z INFO
 * RotationEngine - message}, as slf4j-simple did) or as one JSON object per line, per {@link LogConfig}.
 *
 * <p>JSON fields: {@code time} (ISO-8601 UTC), {@code level}, {@code logger}, {@code message}, then {@code run}
 * and {@code node} when known (the MDC keys {@code run}/{@code node}, else {@code run=}/{@code node=} in the
 * message, as the engine writes them), every other MDC entry, and {@code error} with the stack trace.
 */
final class RotatorLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
  private static final Pattern RUN = Pattern.compile("(?:^|\\s)run=([^\\s,;]+)");
  private static final Pattern NODE = Pattern.compile("(?:^|\\s)node=([^\\s,;]+)");

  private final String shortName;

  RotatorLogger(String name) {
    this.name = name;
    int dot = name.lastIndexOf('.');
    this.shortName = dot < 0 ? name : name.substring(dot + 1);
  }

  @Override
  public boolean isTraceEnabled() {
    return LogConfig.enabled(name, Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return LogConfig.enabled(name, Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return LogConfig.enabled(name, Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return LogConfig.enabled(name, Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return LogConfig.enabled(name, Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] args, Throwable throwable) {
    String message = MessageFormatter.basicArrayFormat(pattern, args);
    String line = LogConfig.format() == LogConfig.Format.JSON
        ? json(Instant.now(), level, name, message, MDC.getCopyOfContextMap(), throwable)
        : text(Instant.now(), level, shortName, message, throwable);
    PrintStream out = LogConfig.out();
    // One write per line, so lines of concurrent threads do not interleave.
    synchronized (out) {
      out.print(line);
      out.flush();
    }
  }

  static String text(Instant at, Level level, String shortName, String message, Throwable t) {
    StringBuilder b = new StringBuilder()
        .append(TIME.format(at)).append(' ').append(level).append(' ').append(shortName).append(" - ")
        .append(message).append('\n');
    if (t != null) {
      b.append(stackTrace(t));
    }
    return b.toString();
  }

  static String json(Instant at, Level level, String logger, String message, Map<String, String> mdc, Throwable t) {
    StringBuilder b = new StringBuilder(128 + message.length()).append('{');
    field(b, "time", TIME.format(at));
    field(b, "level", level.toString());
    field(b, "logger", logger);
    field(b, "message", message);
    String run = mdc == null ? null : mdc.get("run");
    String node = mdc == null ? null : mdc.get("node");
    if (run == null) {
      run = find(RUN, message);
    }
    if (node == null) {
      node = find(NODE, message);
    }
    if (run != null) {
      field(b, "run", run);
    }
    if (node != null) {
      field(b, "node", node);
    }
    if (mdc != null) {
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(mdc).entrySet()) {
        if (!e.getKey().equals("run") && !e.getKey().equals("node") && e.getValue() != null) {
          field(b, e.getKey(), e.getValue());
        }
      }
    }
    if (t != null) {
      field(b, "error", stackTrace(t));
    }
    b.setLength(b.length() - 1);
    return b.append("}\n").toString();
  }

  private static String find(Pattern p, String message) {
    Matcher m = p.matcher(message);
    return m.find() ? m.group(1) : null;
  }

  private static void field(StringBuilder b, String key, String value) {
    quote(b, key);
    b.append(':');
    quote(b, value);
    b.append(',');
  }

  /** A JSON string literal (RFC 8259: quote, backslash and control characters escaped). */
  static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static String stackTrace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }
}

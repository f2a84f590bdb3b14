package dev.rotator.health.apiserver;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A parser for the Prometheus text exposition format (version 0.0.4), the format of the API server's
 * {@code /metrics}. Small on purpose: it reads samples ({@code name{labels} value [timestamp]}) and skips
 * comments ({@code # HELP}, {@code # TYPE}), which is all the latency gate needs.
 *
 * <p>Strict where being lenient would hide a broken answer: a malformed line is a {@link
 * PrometheusParseException} naming the line, never a silently dropped sample (a histogram with a
 * missing bucket would give a wrong quantile).
 */
public final class PrometheusText {

  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {
    public Sample {
      Objects.requireNonNull(name, "name");
      labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }
  }

  /** A malformed exposition; the message names the line number and what was expected. */
  public static final class PrometheusParseException extends Exception {
    private static final long serialVersionUID = 1L;

    public PrometheusParseException(String message) {
      super(message);
    }
  }

  // Go's strconv.ParseFloat as Prometheus uses it, minus hex floats (never seen in expositions).
  private static final Pattern NUMBER = Pattern.compile("[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?");
  private static final Pattern TIMESTAMP = Pattern.compile("-?\\d+");

  private PrometheusText() {}

  /** Parses every sample. */
  public static List<Sample> parse(String text) throws PrometheusParseException {
    return parse(text, name -> true);
  }

  /**
   * Parses the samples whose metric name {@code wanted} accepts; other lines are only checked for a
   * valid metric name, so a large exposition costs little when one metric is needed.
   */
  public static List<Sample> parse(String text, Predicate<String> wanted) throws PrometheusParseException {
    Objects.requireNonNull(text, "text");
    List<Sample> out = new ArrayList<>();
    int lineNo = 0;
    int pos = 0;
    int len = text.length();
    while (pos <= len) {
      int nl = text.indexOf('\n', pos);
      int end = nl < 0 ? len : nl;
      lineNo++;
      String line = text.substring(pos, end);
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      parseLine(line, lineNo, wanted, out);
      if (nl < 0) {
        break;
      }
      pos = nl + 1;
    }
    return out;
  }

  private static void parseLine(String line, int lineNo, Predicate<String> wanted, List<Sample> out)
      throws PrometheusParseException {
    int i = skipBlanks(line, 0);
    if (i == line.length() || line.charAt(i) == '#') {
      return; // empty, HELP, TYPE, other comments
    }
    int nameStart = i;
    if (!isNameStart(line.charAt(i))) {
      throw error(lineNo, "expected a metric name", line);
    }
    i++;
    while (i < line.length() && isNameChar(line.charAt(i))) {
      i++;
    }
    String name = line.substring(nameStart, i);
    if (!wanted.test(name)) {
      return;
    }
    Map<String, String> labels = new LinkedHashMap<>();
    boolean hasLabels = i < line.length() && line.charAt(i) == '{';
    if (hasLabels) {
      i = parseLabels(line, i + 1, lineNo, labels);
    }
    int afterLabels = skipBlanks(line, i);
    if (!hasLabels && afterLabels == i && i < line.length()) {
      // "foo-1": the name ended on a character that may not follow it.
      throw error(lineNo, "expected a blank after the metric name", line);
    }
    i = afterLabels;
    int valueStart = i;
    while (i < line.length() && !isBlank(line.charAt(i))) {
      i++;
    }
    if (valueStart == i) {
      throw error(lineNo, "missing value", line);
    }
    double value = parseValue(line.substring(valueStart, i), lineNo, line);
    i = skipBlanks(line, i);
    if (i < line.length()) {
      int tsStart = i;
      while (i < line.length() && !isBlank(line.charAt(i))) {
        i++;
      }
      if (!TIMESTAMP.matcher(line.substring(tsStart, i)).matches()) {
        throw error(lineNo, "expected an integer timestamp after the value", line);
      }
      if (skipBlanks(line, i) != line.length()) {
        throw error(lineNo, "unexpected text after the timestamp", line);
      }
    }
    out.add(new Sample(name, labels, value));
  }

  /** Parses {@code a="x",b="y"}} starting after the brace; returns the index after the closing brace. */
  private static int parseLabels(String line, int i, int lineNo, Map<String, String> labels)
      throws PrometheusParseException {
    while (true) {
      i = skipBlanks(line, i);
      if (i >= line.length()) {
        throw error(lineNo, "unterminated label set", line);
      }
      if (line.charAt(i) == '}') {
        return i + 1;
      }
      int ns = i;
      if (!isLabelStart(line.charAt(i))) {
        throw error(lineNo, "expected a label name", line);
      }
      while (i < line.length() && isLabelChar(line.charAt(i))) {
        i++;
      }
      String labelName = line.substring(ns, i);
      i = skipBlanks(line, i);
      if (i >= line.length() || line.charAt(i) != '=') {
        throw error(lineNo, "expected '=' after label " + labelName, line);
      }
      i = skipBlanks(line, i + 1);
      if (i >= line.length() || line.charAt(i) != '"') {
        throw error(lineNo, "expected '\"' to open the value of label " + labelName, line);
      }
      i++;
      StringBuilder v = new StringBuilder();
      boolean closed = false;
      while (i < line.length()) {
        char c = line.charAt(i++);
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i >= line.length()) {
            break;
          }
          char e = line.charAt(i++);
          switch (e) {
            case '\\' -> v.append('\\');
            case '"' -> v.append('"');
            case 'n' -> v.append('\n');
            default -> throw error(lineNo, "invalid escape \\" + e + " in label " + labelName, line);
          }
        } else {
          v.append(c);
        }
      }
      if (!closed) {
        throw error(lineNo, "unterminated value of label " + labelName, line);
      }
      if (labels.put(labelName, v.toString()) != null) {
        throw error(lineNo, "duplicate label " + labelName, line);
      }
      i = skipBlanks(line, i);
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
      } else if (i >= line.length() || line.charAt(i) != '}') {
        throw error(lineNo, "expected ',' or '}' after label " + labelName, line);
      }
    }
  }

  /** A sample value or a bucket bound ({@code le}): a float, {@code +Inf}, {@code -Inf} or {@code NaN}. */
  static double parseNumber(String s) {
    switch (s) {
      case "+Inf", "Inf", "+inf", "inf" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-Inf", "-inf" -> {
        return Double.NEGATIVE_INFINITY;
      }
      case "NaN", "nan" -> {
        return Double.NaN;
      }
      default -> {
        if (!NUMBER.matcher(s).matches()) {
          throw new NumberFormatException("not a number: '" + s + "'");
        }
        return Double.parseDouble(s);
      }
    }
  }

  private static double parseValue(String s, int lineNo, String line) throws PrometheusParseException {
    try {
      return parseNumber(s);
    } catch (NumberFormatException e) {
      throw error(lineNo, "invalid value '" + s + "'", line);
    }
  }

  private static PrometheusParseException error(int lineNo, String what, String line) {
    String shown = line.length() > 200 ? line.substring(0, 200) + "..." : line;
    return new PrometheusParseException("line " + lineNo + ": " + what + ": " + shown);
  }

  private static int skipBlanks(String s, int i) {
    while (i < s.length() && isBlank(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }

  private static boolean isNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  }

  private static boolean isNameChar(char c) {
    return isNameStart(c) || (c >= '0' && c <= '9');
  }

  private static boolean isLabelStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static boolean isLabelChar(char c) {
    return isLabelStart(c) || (c >= '0' && c <= '9');
  }
}

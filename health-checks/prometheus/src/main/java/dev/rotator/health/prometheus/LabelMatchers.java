package dev.rotator.health.prometheus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * A set of label matchers in Prometheus selector syntax, all of which must hold: {@code
 * {severity="critical", alertname=~"Ingress.*"}}. The braces may be left out.
 *
 * <p>Grammar (a subset of PromQL's; whitespace allowed between tokens):
 *
 * <pre>
 *   set     := '{' matcher (',' matcher)* ','? '}'  |  matcher (',' matcher)*
 *   matcher := name op value
 *   name    := [a-zA-Z_][a-zA-Z0-9_]*
 *   op      := '=' | '!=' | '=~' | '!~'
 *   value   := '"' ... '"'  |  "'" ... "'"       escapes: \\ \" \' \n \t
 * </pre>
 *
 * Semantics follow Prometheus: a label the alert does not have has the value {@code ""}; regexes
 * are anchored at both ends ({@code =~"Ingress.*"} does not match {@code MyIngressDown}). Regexes
 * are Java regexes, which agree with Prometheus' RE2 on everything a label matcher normally needs.
 *
 * <p>An empty set ({@code {}}) is refused: it would match every alert, including the always-firing
 * {@code Watchdog} of most Prometheus setups, and freeze rotation forever. Whoever really means
 * "any alert" writes {@code alertname=~".+"}.
 */
public final class LabelMatchers {

  /** A matcher's operator. */
  public enum Op {
    EQ("="),
    NE("!="),
    RE("=~"),
    NRE("!~");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }
  }

  /**
   * One matcher.
   *
   * @param name the label name
   * @param op how the label's value is compared
   * @param value the literal, or the regex (unanchored as written)
   */
  public record Matcher(String name, Op op, String value) {
    public Matcher {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return name + op.symbol() + quote(value);
    }
  }

  private final List<Matcher> matchers;

  /**
   * The anchored patterns of the regex matchers, index-aligned with {@link #matchers} (null for
   * others).
   */
  private final List<Pattern> patterns;

  private LabelMatchers(List<Matcher> matchers, List<Pattern> patterns) {
    this.matchers = List.copyOf(matchers);
    this.patterns = patterns;
  }

  public List<Matcher> matchers() {
    return matchers;
  }

  /** Whether every matcher holds for these labels (a missing label counts as {@code ""}). */
  public boolean matches(Map<String, String> labels) {
    for (int i = 0; i < matchers.size(); i++) {
      Matcher m = matchers.get(i);
      String v = labels.getOrDefault(m.name(), "");
      boolean ok =
          switch (m.op()) {
            case EQ -> v.equals(m.value());
            case NE -> !v.equals(m.value());
            case RE -> patterns.get(i).matcher(v).matches();
            case NRE -> !patterns.get(i).matcher(v).matches();
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** The canonical form: {@code {a="b", c=~"d"}}. */
  @Override
  public String toString() {
    return matchers.stream().map(Matcher::toString).collect(Collectors.joining(", ", "{", "}"));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelMatchers other && other.matchers.equals(matchers);
  }

  @Override
  public int hashCode() {
    return matchers.hashCode();
  }

  /**
   * Parses a matcher set.
   *
   * @throws IllegalArgumentException saying what was expected where, e.g. {@code expected '=',
   *     '!=', '=~' or '!~' after label name 'severity' at position 9}
   */
  public static LabelMatchers parse(String text) {
    Objects.requireNonNull(text, "matcher");
    return new Parser(text).parse();
  }

  static String quote(String value) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '"' -> sb.append("\\\"");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        default -> sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  /**
   * A hand-written recursive-descent parser: the grammar is tiny and its errors must be precise.
   */
  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    LabelMatchers parse() {
      skipSpace();
      if (atEnd()) {
        throw fail("the matcher is empty; write e.g. {severity=\"critical\"}");
      }
      boolean braces = peek() == '{';
      if (braces) {
        pos++;
      }
      List<Matcher> out = new ArrayList<>();
      List<Pattern> patterns = new ArrayList<>();
      while (true) {
        skipSpace();
        if (braces && !atEnd() && peek() == '}') {
          break; // "{}" or a trailing comma
        }
        Matcher m = matcher();
        out.add(m);
        patterns.add(compileIfRegex(m));
        skipSpace();
        if (!atEnd() && peek() == ',') {
          pos++;
          continue;
        }
        break;
      }
      skipSpace();
      if (braces) {
        if (atEnd() || peek() != '}') {
          throw fail("expected ',' or '}' at position " + pos);
        }
        pos++;
        skipSpace();
      }
      if (!atEnd()) {
        throw fail("unexpected '" + peek() + "' at position " + pos);
      }
      if (out.isEmpty()) {
        throw fail(
            "an empty matcher set matches every alert, the always-firing Watchdog included;"
                + " write alertname=~\".+\" if that is really meant");
      }
      return new LabelMatchers(out, patterns);
    }

    private Matcher matcher() {
      int start = pos;
      if (atEnd() || !isNameStart(peek())) {
        throw fail(
            atEnd()
                ? "expected a label name at the end"
                : "expected a label name at position " + pos + ", found '" + peek() + "'");
      }
      while (!atEnd() && isNamePart(peek())) {
        pos++;
      }
      String name = s.substring(start, pos);
      skipSpace();
      Op op = op(name);
      skipSpace();
      String value = value(name, op);
      return new Matcher(name, op, value);
    }

    private Op op(String name) {
      String rest = s.substring(pos);
      Op op;
      if (rest.startsWith("=~")) {
        op = Op.RE;
      } else if (rest.startsWith("!~")) {
        op = Op.NRE;
      } else if (rest.startsWith("!=")) {
        op = Op.NE;
      } else if (rest.startsWith("=")) {
        op = Op.EQ;
      } else {
        throw fail(
            "expected '=', '!=', '=~' or '!~' after label name '" + name + "' at position " + pos);
      }
      pos += op.symbol().length();
      return op;
    }

    private String value(String name, Op op) {
      if (atEnd() || (peek() != '"' && peek() != '\'')) {
        throw fail(
            "expected a quoted value after "
                + name
                + op.symbol()
                + " at position "
                + pos
                + " (write "
                + name
                + op.symbol()
                + "\"...\")");
      }
      char quote = s.charAt(pos++);
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (atEnd()) {
          throw fail("unterminated string: the value of '" + name + "' has no closing " + quote);
        }
        char c = s.charAt(pos++);
        if (c == quote) {
          return sb.toString();
        }
        if (c == '\\') {
          if (atEnd()) {
            throw fail("unterminated string: the value of '" + name + "' ends in a backslash");
          }
          char e = s.charAt(pos++);
          switch (e) {
            case '\\', '"', '\'' -> sb.append(e);
            case 'n' -> sb.append('\n');
            case 't' -> sb.append('\t');
            default ->
                // PromQL strings would reject it too; inside a regex, write \\ to get one
                // backslash.
                throw fail(
                    "unknown escape \\"
                        + e
                        + " in the value of '"
                        + name
                        + "' at position "
                        + (pos - 2)
                        + " (in a regex write \\\\"
                        + e
                        + ")");
          }
        } else {
          sb.append(c);
        }
      }
    }

    private Pattern compileIfRegex(Matcher m) {
      if (m.op() != Op.RE && m.op() != Op.NRE) {
        return null;
      }
      try {
        // Anchored like Prometheus: the regex must match the whole label value.
        return Pattern.compile("^(?:" + m.value() + ")$");
      } catch (PatternSyntaxException e) {
        throw fail("the regex of '" + m.name() + "' is invalid: " + e.getDescription());
      }
    }

    private IllegalArgumentException fail(String why) {
      return new IllegalArgumentException("invalid matcher '" + s + "': " + why);
    }

    private void skipSpace() {
      while (!atEnd() && Character.isWhitespace(peek())) {
        pos++;
      }
    }

    private boolean atEnd() {
      return pos >= s.length();
    }

    private char peek() {
      return s.charAt(pos);
    }

    private static boolean isNameStart(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isNamePart(char c) {
      return isNameStart(c) || (c >= '0' && c <= '9');
    }
  }
}

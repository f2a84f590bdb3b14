package dev.rotator.health.prometheus;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.http.BoundedHttpGet;
import dev.rotator.health.prometheus.PrometheusApi.PrometheusException;
import dev.rotator.health.prometheus.PrometheusApi.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A PromQL expression against a threshold: ingress 5xx ratio, p99 latency, SLO burn rate.
 *
 * <ol>
 *   <li>Instant query {@code GET <url>/api/v1/query?query=<expr>}, bounded by the timeout (also
 *       passed to Prometheus as its evaluation timeout).
 *   <li>{@code op} and {@code threshold} describe the <b>bad</b> condition: with {@code op: ">"}
 *       and {@code threshold: 0.05}, any sample above 0.05 → UNHEALTHY ({@link
 *       ReasonCode#ALERT_FIRING}), naming the first few series and their values.
 *   <li>NaN samples never cross (0/0 from a ratio without traffic is no evidence of trouble) and do
 *       not count as samples. No sample left → {@code emptyIs}: UNKNOWN by default, since an
 *       expression that selects nothing more often means a renamed metric or a dead scrape than a
 *       healthy system; {@code healthy} for expressions that are empty by design (e.g. {@code ... >
 *       0.05} filters).
 *   <li>Prometheus unreachable, a non-200 answer (a PromQL syntax error is a 400), bad JSON, or a
 *       range vector result → UNKNOWN.
 * </ol>
 *
 * Values: {@code expr}, {@code threshold} (e.g. {@code > 0.5}), {@code samples}, {@code crossing},
 * {@code worst} (the value furthest on the bad side), {@code series} (the first few {@code
 * {labels}=value}).
 */
public final class PromQlThresholdCheck implements HealthCheck {

  /** Longest expression accepted; it travels in the query string of a GET. */
  public static final int MAX_EXPR_LENGTH = 4096;

  /** The comparison that makes a sample unhealthy. */
  public enum Op {
    GT(">"),
    GE(">="),
    LT("<"),
    LE("<=");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    /**
     * Whether {@code value op threshold} holds, i.e. the sample is on the bad side. NaN never is.
     */
    public boolean crosses(double value, double threshold) {
      return switch (this) {
        case GT -> value > threshold;
        case GE -> value >= threshold;
        case LT -> value < threshold;
        case LE -> value <= threshold;
      };
    }

    /** {@code >}, {@code >=}, {@code <}, {@code <=}. */
    public static Op parse(String symbol) {
      for (Op op : values()) {
        if (op.symbol.equals(symbol == null ? null : symbol.trim())) {
          return op;
        }
      }
      throw new IllegalArgumentException("op must be one of >, >=, <, <=, got '" + symbol + "'");
    }

    /** Ordering that puts the worst value first. */
    Comparator<Double> worstFirst() {
      return this == GT || this == GE
          ? Comparator.<Double>reverseOrder()
          : Comparator.<Double>naturalOrder();
    }
  }

  /** What an expression returning no sample means. */
  public enum EmptyIs {
    /** Empty is fine: the expression filters for trouble ({@code rate(x[5m]) > 0.05}). */
    HEALTHY,
    /** Empty is not knowing (the default): fail closed. */
    UNKNOWN;

    /** {@code healthy} or {@code unknown}, any case. */
    public static EmptyIs parse(String s) {
      for (EmptyIs e : values()) {
        if (e.name().equalsIgnoreCase(s == null ? "" : s.trim())) {
          return e;
        }
      }
      throw new IllegalArgumentException("emptyIs must be 'healthy' or 'unknown', got '" + s + "'");
    }
  }

  /**
   * One rule.
   *
   * @param name the check's name (letters, digits, {@code . _ -}, at most 63), shown in {@code
   *     rotator check} and freeze reasons
   * @param expr the PromQL expression, evaluated at the current instant; it must return an instant
   *     vector or a scalar. Its syntax is checked by Prometheus on the first evaluation (a 400
   *     gives UNKNOWN, which {@code rotator check} shows before any run)
   * @param op the bad side of the threshold
   * @param threshold a finite number
   * @param emptyIs what no sample means (default UNKNOWN)
   */
  public record Rule(String name, String expr, Op op, double threshold, EmptyIs emptyIs) {
    public Rule {
      Support.checkName("name", name);
      Objects.requireNonNull(expr, "expr");
      if (expr.isBlank()) {
        throw new IllegalArgumentException("expr is empty");
      }
      if (expr.length() > MAX_EXPR_LENGTH) {
        throw new IllegalArgumentException(
            "expr is "
                + expr.length()
                + " characters long, at most "
                + MAX_EXPR_LENGTH
                + " are accepted");
      }
      Objects.requireNonNull(op, "op");
      if (!Double.isFinite(threshold)) {
        throw new IllegalArgumentException("threshold must be a finite number, got " + threshold);
      }
      Objects.requireNonNull(emptyIs, "emptyIs");
    }

    /** A rule that treats an empty result as UNKNOWN. */
    public static Rule of(String name, String expr, Op op, double threshold) {
      return new Rule(name, expr, op, threshold, EmptyIs.UNKNOWN);
    }

    /** {@code > 0.5}. */
    public String thresholdText() {
      return op.symbol() + " " + Support.number(threshold);
    }
  }

  /**
   * Settings, validated when built.
   *
   * @param url Prometheus' base URL (http/https, with its route prefix if any, no query)
   * @param rule the rule this check evaluates
   * @param timeout the budget of the one query per check (default 5 s, at most 5 min)
   */
  public record Settings(String url, Rule rule, Duration timeout) {
    public Settings {
      PrometheusApi.baseUri(url);
      Objects.requireNonNull(rule, "rule");
      Support.checkTimeout(timeout);
    }

    /** The rule with a 5 s timeout. */
    public static Settings defaults(String url, Rule rule) {
      return new Settings(url, rule, Support.DEFAULT_TIMEOUT);
    }
  }

  private final Settings settings;
  private final PrometheusApi api;

  public PromQlThresholdCheck(Settings settings) {
    this(settings, new BoundedHttpGet(settings.timeout()));
  }

  /** With a shared HTTP client (it must not follow redirects). */
  public PromQlThresholdCheck(Settings settings, BoundedHttpGet http) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.api = new PrometheusApi(settings.url(), http);
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return settings.rule().name();
  }

  @Override
  public ReasonCode reasonCode() {
    return ReasonCode.ALERT_FIRING;
  }

  @Override
  public CheckResult check() {
    Rule rule = settings.rule();
    Map<String, String> values = new LinkedHashMap<>();
    values.put("expr", rule.expr());
    values.put("threshold", rule.thresholdText());

    List<Sample> samples;
    try {
      samples = api.query(rule.expr(), settings.timeout());
    } catch (PrometheusException e) {
      return new CheckResult(name(), CheckResult.Status.UNKNOWN, e.getMessage(), values);
    }

    List<Sample> numbers = samples.stream().filter(s -> !Double.isNaN(s.value())).toList();
    int nan = samples.size() - numbers.size();
    String nanNote = nan == 0 ? "" : " (" + nan + " NaN sample(s) ignored)";
    values.put("samples", Integer.toString(numbers.size()));
    if (nan > 0) {
      values.put("nanSamples", Integer.toString(nan));
    }

    if (numbers.isEmpty()) {
      values.put("crossing", "0");
      values.put("emptyIs", rule.emptyIs().name().toLowerCase(Locale.ROOT));
      if (rule.emptyIs() == EmptyIs.HEALTHY) {
        return CheckResult.healthy(
            name(), "the expression returned no sample; emptyIs: healthy" + nanNote, values);
      }
      return new CheckResult(
          name(),
          CheckResult.Status.UNKNOWN,
          "the expression returned no sample"
              + nanNote
              + "; a renamed metric or a dead scrape looks the same, so this fails closed"
              + " (set emptyIs: healthy if empty means all is well)",
          values);
    }

    // Worst first, so that the named series are the ones that matter most.
    List<Sample> sorted = new ArrayList<>(numbers);
    sorted.sort(Comparator.comparing(Sample::value, rule.op().worstFirst()));
    List<Sample> crossing =
        sorted.stream().filter(s -> rule.op().crosses(s.value(), rule.threshold())).toList();
    values.put("crossing", Integer.toString(crossing.size()));
    values.put("worst", Support.number(sorted.get(0).value()));
    values.put("series", Support.firstFew(describe(crossing.isEmpty() ? sorted : crossing)));

    if (!crossing.isEmpty()) {
      return CheckResult.unhealthy(
          name(),
          rule.expr()
              + ": "
              + crossing.size()
              + " of "
              + numbers.size()
              + " sample(s) "
              + rule.thresholdText()
              + ": "
              + Support.firstFew(describe(crossing))
              + nanNote,
          values);
    }
    return CheckResult.healthy(
        name(),
        rule.expr()
            + ": no sample "
            + rule.thresholdText()
            + " ("
            + numbers.size()
            + " sample(s), worst "
            + Support.number(sorted.get(0).value())
            + ")"
            + nanNote,
        values);
  }

  private static List<String> describe(List<Sample> samples) {
    return samples.stream()
        .map(
            s ->
                s.labels().isEmpty()
                    ? Support.number(s.value())
                    : Support.labels(s.labels(), "") + " " + Support.number(s.value()))
        .toList();
  }
}

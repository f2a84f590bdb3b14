package dev.rotator.health.prometheus;

import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.http.BoundedHttpGet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code gates.prometheus} section as one value: one Prometheus, the alert matchers and the
 * PromQL rules, one timeout. {@link #checks()} turns it into the alerts check (if there are
 * matchers) and one check per rule, all sharing one HTTP client.
 *
 * @param url Prometheus' base URL
 * @param alertMatchers matcher sets for {@link PrometheusAlertsCheck}; empty: no alerts check
 * @param rules PromQL rules, one {@link PromQlThresholdCheck} each; names unique
 * @param timeout per request
 */
public record PrometheusSettings(
    String url,
    List<String> alertMatchers,
    List<PromQlThresholdCheck.Rule> rules,
    Duration timeout) {

  public PrometheusSettings {
    PrometheusApi.baseUri(url);
    alertMatchers = List.copyOf(Objects.requireNonNull(alertMatchers, "alertMatchers"));
    rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
    Support.checkTimeout(timeout);
    if (alertMatchers.isEmpty() && rules.isEmpty()) {
      throw new IllegalArgumentException(
          "neither alertMatchers nor rules are set: the Prometheus gate would check nothing");
    }
    if (!alertMatchers.isEmpty()) {
      new PrometheusAlertsCheck.Settings(url, alertMatchers, timeout);
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      String name = rules.get(i).name();
      if (name.equals(PrometheusAlertsCheck.NAME)) {
        throw new IllegalArgumentException(
            "rules[" + i + "].name '" + name + "' is the alerts check's own name; choose another");
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException(
            "rules[" + i + "].name '" + name + "' is used by an earlier rule");
      }
    }
  }

  /** Critical alerts block, no rules, 5 s per request. */
  public static PrometheusSettings defaults(String url) {
    return new PrometheusSettings(
        url,
        PrometheusAlertsCheck.Settings.DEFAULT_ALERT_MATCHERS,
        List.of(),
        Support.DEFAULT_TIMEOUT);
  }

  public static Duration defaultTimeout() {
    return Support.DEFAULT_TIMEOUT;
  }

  /** The alerts check (when there are matchers) first, then one check per rule, in order. */
  public List<HealthCheck> checks() {
    BoundedHttpGet http = new BoundedHttpGet(timeout);
    List<HealthCheck> out = new ArrayList<>();
    if (!alertMatchers.isEmpty()) {
      out.add(
          new PrometheusAlertsCheck(
              new PrometheusAlertsCheck.Settings(url, alertMatchers, timeout), http));
    }
    for (PromQlThresholdCheck.Rule r : rules) {
      out.add(new PromQlThresholdCheck(new PromQlThresholdCheck.Settings(url, r, timeout), http));
    }
    return List.copyOf(out);
  }
}

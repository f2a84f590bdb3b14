package dev.rotator.health.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.health.prometheus.LabelMatchers.Matcher;
import dev.rotator.health.prometheus.LabelMatchers.Op;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LabelMatchersTest {

  private static String rejected(String text) {
    return assertThrows(IllegalArgumentException.class, () -> LabelMatchers.parse(text))
        .getMessage();
  }

  @Test
  @DisplayName("all four operators parse, with or without braces, with spaces and a trailing comma")
  void parsesAllOperators() {
    LabelMatchers m =
        LabelMatchers.parse(
            " { severity = \"critical\", alertname=~'Ingress.*' , team!=\"db\", ns!~\"kube-.*\","
                + " } ");
    assertEquals(
        List.of(
            new Matcher("severity", Op.EQ, "critical"),
            new Matcher("alertname", Op.RE, "Ingress.*"),
            new Matcher("team", Op.NE, "db"),
            new Matcher("ns", Op.NRE, "kube-.*")),
        m.matchers());
    assertEquals(
        LabelMatchers.parse("{alertname=~\"Ingress.*\"}"),
        LabelMatchers.parse("alertname=~\"Ingress.*\""));
    assertEquals(
        "{severity=\"critical\", alertname=~\"Ingress.*\", team!=\"db\", ns!~\"kube-.*\"}",
        m.toString());
  }

  @Test
  @DisplayName("the canonical form parses back to the same matchers, escapes included")
  void roundTrip() {
    LabelMatchers m = LabelMatchers.parse("{path=\"a\\\"b\\\\c\", re=~\"x\\\\d+\"}");
    assertEquals("a\"b\\c", m.matchers().get(0).value());
    assertEquals("x\\d+", m.matchers().get(1).value());
    assertEquals(m, LabelMatchers.parse(m.toString()));
  }

  @Test
  @DisplayName("equality matches the exact value; a missing label counts as the empty string")
  void equality() {
    LabelMatchers critical = LabelMatchers.parse("{severity=\"critical\"}");
    assertTrue(critical.matches(Map.of("severity", "critical", "alertname", "X")));
    assertFalse(critical.matches(Map.of("severity", "critical2")));
    assertFalse(critical.matches(Map.of()));
    assertTrue(LabelMatchers.parse("team=\"\"").matches(Map.of("alertname", "X")));
    assertTrue(LabelMatchers.parse("team!=\"db\"").matches(Map.of()));
    assertFalse(LabelMatchers.parse("team!=\"db\"").matches(Map.of("team", "db")));
  }

  @Test
  @DisplayName("regexes are anchored at both ends, like Prometheus'")
  void regexAnchored() {
    LabelMatchers ingress = LabelMatchers.parse("alertname=~\"Ingress.*\"");
    assertTrue(ingress.matches(Map.of("alertname", "IngressSaturated")));
    assertFalse(ingress.matches(Map.of("alertname", "MyIngressDown")));
    LabelMatchers alt = LabelMatchers.parse("severity=~\"critical|page\"");
    assertTrue(alt.matches(Map.of("severity", "page")));
    assertFalse(
        alt.matches(Map.of("severity", "pager")),
        "the alternation must be grouped before anchoring");
    LabelMatchers not = LabelMatchers.parse("ns!~\"kube-.*\"");
    assertFalse(not.matches(Map.of("ns", "kube-system")));
    assertTrue(not.matches(Map.of("ns", "shop")));
  }

  @Test
  @DisplayName("all matchers of a set must hold")
  void conjunction() {
    LabelMatchers m = LabelMatchers.parse("{severity=\"critical\", alertname=~\"Ingress.*\"}");
    assertTrue(m.matches(Map.of("severity", "critical", "alertname", "IngressSaturated")));
    assertFalse(m.matches(Map.of("severity", "warning", "alertname", "IngressSaturated")));
    assertFalse(m.matches(Map.of("severity", "critical", "alertname", "EtcdDown")));
  }

  @Test
  @DisplayName("invalid matchers are rejected with what was expected and where")
  void invalid() {
    assertTrue(rejected("").contains("empty"));
    assertTrue(rejected("{}").contains("matches every alert"), rejected("{}"));
    assertTrue(
        rejected("{severity=critical}").contains("expected a quoted value after severity="),
        rejected("{severity=critical}"));
    assertTrue(rejected("{severity==\"x\"}").contains("expected a quoted value"));
    assertTrue(
        rejected("{severity \"critical\"}")
            .contains(
                "expected '=', '!=', '=~' or '!~' after label name 'severity' at position 10"),
        rejected("{severity \"critical\"}"));
    assertTrue(rejected("{1abc=\"x\"}").contains("expected a label name at position 1"));
    assertTrue(rejected("{a=\"x\"").contains("expected ',' or '}'"));
    assertTrue(rejected("{a=\"x\"}}").contains("unexpected '}'"));
    assertTrue(rejected("a=\"x").contains("unterminated string"));
    assertTrue(rejected("a=\"x\\q\"").contains("unknown escape \\q"));
    assertTrue(rejected("a=~\"(unclosed\"").contains("the regex of 'a' is invalid"));
    assertTrue(rejected("a=\"x\" b=\"y\"").contains("unexpected 'b'"));
    assertTrue(rejected("a=\"x\",").contains("expected a label name at the end"));
    assertTrue(
        rejected("{severity=\"critical\"}x")
            .startsWith("invalid matcher '{severity=\"critical\"}x'"));
  }
}

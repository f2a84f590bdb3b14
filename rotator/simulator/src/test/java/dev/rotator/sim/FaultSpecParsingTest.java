package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The scenario keys for faults, fakes and timing: defaults, and strict errors naming the key. */
class FaultSpecParsingTest {
  private static final String BASE =
      """
      name: f
      nodeGroups:
        - name: g
          size: 4
          kubeletVersion: v1.30.1
          targetVersion: v1.31.2
        - name: h
          size: 2
          kubeletVersion: v1.29.0
          targetVersion: v1.30.0
      """;

  private static Scenario parse(String extra) {
    return Scenario.parse(BASE + extra, "f.yaml");
  }

  @Test
  @DisplayName("without faults or fakes: no etcd, no Prometheus, control plane at the highest target, rotator's default timing")
  void defaults() {
    Scenario s = parse("");
    assertFalse(s.hasEtcd());
    assertFalse(s.hasPrometheus());
    assertEquals("v1.31.2", s.controlPlaneVersion());
    assertEquals(List.of(), s.faults());
    assertEquals(Duration.ofSeconds(15), s.timing().grace(), "pollInterval 5s + checkTimeout 10s");
    assertEquals(Duration.ofMinutes(15), s.timing().replacementTimeout());
  }

  @Test
  @DisplayName("every fault kind parses with its keys and defaults; faults bring the fakes they need")
  void everyKind() {
    Scenario s = parse("""
        controlPlaneVersion: v1.32.0
        rotator:
          policy: {pollInterval: 2s, replacementTimeout: 1m30s}
          gates: {checkTimeout: 500ms}
        faults:
          - {kind: etcdMembersDown, count: 2, startSeconds: 10, endSeconds: 40}
          - {kind: apiErrors, errorPercent: 30, startSeconds: 5}
          - {kind: apiErrors, errorPercent: 10, status: 429, retryAfterSeconds: 2, spareRotatorState: false, startSeconds: 5}
          - {kind: apiLatency, delayMillis: 250, startSeconds: 5, endSeconds: 6}
          - {kind: nodesNotReady, count: 2, group: g, startSeconds: 0}
          - {kind: quotaExhausted, group: h, startSeconds: 0}
          - {kind: alertFiring, alertname: KubeAPIDown, startSeconds: 0}
          - {kind: replacementNotReady, group: g, startSeconds: 0}
          - {kind: replacementOldVersion, group: g, startSeconds: 0}
        """);
    assertEquals("v1.32.0", s.controlPlaneVersion());
    assertEquals(Duration.ofMillis(2500), s.timing().grace());
    assertEquals(Duration.ofSeconds(90), s.timing().replacementTimeout());
    assertEquals(3, s.etcd().members(), "etcdMembersDown brings a 3-member etcd");
    assertEquals(Map.of(), s.prometheus().queries(), "alertFiring brings a Prometheus");
    List<FaultSpec> f = s.faults();
    assertEquals(9, f.size());
    assertEquals(new FaultSpec.EtcdMembersDown(new FaultSpec.Window(10, OptionalLong.of(40)), 2), f.get(0));
    assertEquals(new FaultSpec.ApiErrors(new FaultSpec.Window(5, OptionalLong.empty()), 30, 503, 0, true), f.get(1));
    assertEquals(new FaultSpec.ApiErrors(new FaultSpec.Window(5, OptionalLong.empty()), 10, 429, 2, false), f.get(2));
    assertEquals(250, ((FaultSpec.ApiLatency) f.get(3)).delayMillis());
    assertEquals("g", ((FaultSpec.NodesNotReady) f.get(4)).group());
    assertEquals("h", ((FaultSpec.QuotaExhausted) f.get(5)).group());
    assertEquals(Map.of("severity", "critical"), ((FaultSpec.AlertFiring) f.get(6)).labels(), "critical by default");
    assertEquals("replacementNotReady", f.get(7).kind());
    assertEquals("v1.30.1", ((FaultSpec.ReplacementOldVersion) f.get(8)).version(), "the group's kubeletVersion");
  }

  @Test
  @DisplayName("etcd: and prometheus: sections, or the gates being enabled, bring the fakes; their URL keys must be left out")
  void fakes() {
    Scenario s = parse("""
        etcd: {members: 5}
        prometheus:
          queries: {'up == 0': 0, 'sum(x)': 0.25}
        """);
    assertEquals(5, s.etcd().members());
    assertEquals(Map.of("up == 0", 0.0, "sum(x)", 0.25), s.prometheus().queries());
    Scenario g = parse("rotator: {gates: {etcd: {enabled: true}, prometheus: {enabled: true}}}\n");
    assertTrue(g.hasEtcd());
    assertTrue(g.hasPrometheus());
    ScenarioException e = assertThrows(ScenarioException.class,
        () -> parse("etcd: {}\nrotator: {gates: {etcd: {endpoints: ['http://10.0.0.1:2379']}}}\n"));
    assertEquals("rotator.gates.etcd.endpoints", e.key());
    assertEquals("rotator.gates.prometheus.url", assertThrows(ScenarioException.class,
        () -> parse("prometheus: {}\nrotator: {gates: {prometheus: {url: 'http://p:9090'}}}\n")).key());
    assertNull(parse("rotator: {gates: {etcd: {endpoints: ['http://10.0.0.1:2379']}}}\n").etcd(),
        "without a fake etcd the key is the user's");
  }

  @Test
  @DisplayName("decimals in the rotator: section stay exact, as rotator's config loader requires")
  void exactDecimals() {
    Scenario s = parse("rotator: {gates: {apiserver: {maxErrorPercent: 2.5}}}\n");
    assertTrue(s.rotatorConfig().path("gates").path("apiserver").path("maxErrorPercent").isBigDecimal());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not a list                  | faults: {kind: apiErrors}                                              | faults",
        "no kind                     | 'faults: [{startSeconds: 1}]'                                          | faults[0].kind",
        "unknown kind                | 'faults: [{kind: diskFull, startSeconds: 1}]'                          | faults[0].kind",
        "no start                    | 'faults: [{kind: apiLatency, delayMillis: 5}]'                         | faults[0].startSeconds",
        "negative start              | 'faults: [{kind: apiLatency, delayMillis: 5, startSeconds: -1}]'       | faults[0].startSeconds",
        "end before start            | 'faults: [{kind: apiLatency, delayMillis: 5, startSeconds: 9, endSeconds: 9}]' | faults[0].endSeconds",
        "key of another kind         | 'faults: [{kind: apiLatency, delayMillis: 5, startSeconds: 1, count: 2}]' | faults[0].count",
        "etcd count missing          | 'faults: [{kind: etcdMembersDown, startSeconds: 1}]'                   | faults[0].count",
        "etcd count above members    | 'faults: [{kind: etcdMembersDown, count: 4, startSeconds: 1}]'         | faults[0].count",
        "percent above 100           | 'faults: [{kind: apiErrors, errorPercent: 101, startSeconds: 1}]'      | faults[0].errorPercent",
        "percent zero                | 'faults: [{kind: apiErrors, errorPercent: 0, startSeconds: 1}]'        | faults[0].errorPercent",
        "status not an error         | 'faults: [{kind: apiErrors, errorPercent: 5, status: 404, startSeconds: 1}]' | faults[0].status",
        "retryAfter without 429      | 'faults: [{kind: apiErrors, errorPercent: 5, retryAfterSeconds: 1, startSeconds: 1}]' | faults[0].retryAfterSeconds",
        "delay too long              | 'faults: [{kind: apiLatency, delayMillis: 60000, startSeconds: 1}]'    | faults[0].delayMillis",
        "too many NotReady nodes     | 'faults: [{kind: nodesNotReady, count: 3, group: h, startSeconds: 1}]' | faults[0].count",
        "unknown group               | 'faults: [{kind: quotaExhausted, group: nope, startSeconds: 1}]'       | faults[0].group",
        "group missing               | 'faults: [{kind: replacementNotReady, startSeconds: 1}]'               | faults[0].group",
        "old version not old         | 'faults: [{kind: replacementOldVersion, group: g, version: v1.31.2, startSeconds: 1}]' | faults[0].version",
        "alertname missing           | 'faults: [{kind: alertFiring, startSeconds: 1}]'                       | faults[0].alertname",
        "bad label name              | 'faults: [{kind: alertFiring, alertname: A, labels: {a-b: x}, startSeconds: 1}]' | faults[0].labels.a-b",
        "too many etcd members       | 'etcd: {members: 9}'                                                   | etcd.members",
        "unknown etcd key            | 'etcd: {size: 3}'                                                      | etcd.size",
        "query value not a number    | 'prometheus: {queries: {up: high}}'                                    | prometheus.queries.up",
        "bad control plane version   | 'controlPlaneVersion: latest'                                          | controlPlaneVersion",
        "bad pollInterval            | 'rotator: {policy: {pollInterval: 5 seconds}}'                         | rotator.policy.pollInterval",
      })
  @DisplayName("a bad fault, fake or timing key is a ScenarioException naming it")
  void badKeys(String what, String yaml, String key) {
    ScenarioException e = assertThrows(ScenarioException.class, () -> parse(yaml + "\n"), what);
    assertEquals(key, e.key(), e.getMessage());
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }

  @Test
  @DisplayName("nodeDeletedExternally: any group by default, a named group must exist")
  void nodeDeletedExternally() {
    Scenario s = parse("faults: [{kind: nodeDeletedExternally, startSeconds: 5}, "
        + "{kind: nodeDeletedExternally, group: h, startSeconds: 0, endSeconds: 9}]");
    assertEquals(new FaultSpec.NodeDeletedExternally(new FaultSpec.Window(5, OptionalLong.empty()), null),
        s.faults().get(0));
    assertEquals(new FaultSpec.NodeDeletedExternally(new FaultSpec.Window(0, OptionalLong.of(9)), "h"),
        s.faults().get(1));
    ScenarioException e = assertThrows(ScenarioException.class,
        () -> parse("faults: [{kind: nodeDeletedExternally, group: nope, startSeconds: 0}]"));
    assertTrue(e.getMessage().contains("faults[0].group"), e.getMessage());
  }

  @Test
  @DisplayName("the pod deletes the recorder accepts come from rotator.policy.unhealthyPodEviction; none without it")
  void unhealthyPodDeletes() {
    assertFalse(parse("").unhealthyPodDeletes().enabled());
    Scenario s = parse("""
        rotator:
          policy:
            unhealthyPodEviction: {namespaces: [batch], selector: {tier: worker}, after: 5m}
        """);
    Scenario.UnhealthyPodDeletes u = s.unhealthyPodDeletes();
    assertEquals(Duration.ofMinutes(5), u.after());
    assertTrue(u.covers("batch", Map.of("tier", "worker", "app", "x")));
    assertFalse(u.covers("batch", Map.of("app", "x")), "selector must match");
    assertFalse(u.covers("shop", Map.of("tier", "worker")), "namespace must match");
    assertEquals(Duration.ofMinutes(10), parse("""
        rotator:
          policy:
            unhealthyPodEviction: {namespaces: [batch]}
        """).unhealthyPodDeletes().after(), "rotator's default after");
    ScenarioException e = assertThrows(ScenarioException.class, () -> parse("""
        rotator:
          policy:
            unhealthyPodEviction: {namespaces: [batch], after: soon}
        """));
    assertTrue(e.getMessage().contains("rotator.policy.unhealthyPodEviction.after"), e.getMessage());
  }
}

package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a rotator.yaml can be wrong ends in a ConfigException that names the key path first. */
class BadConfigTest {

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        // unknown keys, at every level
        bad("unknown top-level key", "polcy: {}\n", "polcy", "unknown key (did you mean 'policy'?); known keys here: apiVersion, kind, cluster"),
        bad("unknown key in cluster", "cluster:\n  kubeconfg: /x\n", "cluster.kubeconfg", "unknown key (did you mean 'kubeconfig'?)"),
        bad("unknown key in provider", "provider:\n  typ: fake\n", "provider.typ", "unknown key (did you mean 'type'?)"),
        bad("unknown key in selector", "selector:\n  kubeletVersion: v1.31.2\n", "selector.kubeletVersion", "unknown key"),
        bad("unknown key in selector.label", "selector:\n  label: {key: a, value: b, vaule: c}\n", "selector.label.vaule", "unknown key (did you mean 'value'?)"),
        bad("unknown key in policy", "policy:\n  maxUnavailabel: 1\n", "policy.maxUnavailabel",
            "unknown key (did you mean 'maxUnavailable'?); known keys here: order, notReadyFirst, maxUnavailable, maxSurge"),
        bad("snake_case key", "policy:\n  max_surge: 1\n", "policy.max_surge", "unknown key (did you mean 'maxSurge'?)"),
        bad("unknown key in policy.evictionBackoff", "policy:\n  evictionBackoff: {inital: 5s}\n", "policy.evictionBackoff.inital", "unknown key (did you mean 'initial'?)"),
        bad("unknown key in gates", "gates:\n  consecutivePass: 2\n", "gates.consecutivePass", "unknown key (did you mean 'consecutivePasses'?)"),
        bad("unknown key in gates.clusterState", "gates:\n  clusterState: {enable: true}\n", "gates.clusterState.enable", "unknown key (did you mean 'enabled'?)"),
        bad("unknown key in alerts", "alerts:\n  slack: {}\n", "alerts.slack", "unknown key; known keys here: log"),
        bad("unknown key in alerts.log", "alerts:\n  log: {level: info}\n", "alerts.log.level", "unknown key; known keys here: enabled"),
        // wrong types
        bad("quoted integer", "policy:\n  maxUnavailable: \"1\"\n", "policy.maxUnavailable", "expected an integer in 0..10000, got string '1'"),
        bad("fractional integer", "policy:\n  maxSurge: 1.5\n", "policy.maxSurge", "expected an integer in 0..10000, got number 1.5"),
        bad("quoted boolean", "policy:\n  notReadyFirst: \"true\"\n", "policy.notReadyFirst", "expected true or false, got string 'true'"),
        bad("section given a scalar", "policy: 5\n", "policy", "expected a mapping with keys order, notReadyFirst"),
        bad("section given a list", "gates: [a]\n", "gates", "expected a mapping"),
        bad("number where a string is expected", "cluster:\n  context: 42\n", "cluster.context", "expected a string, got integer 42 (quote the value"),
        bad("label given as a string", "selector:\n  label: app=web\n", "selector.label", "expected a mapping with keys key, value"),
        bad("enum given a list", "policy:\n  order: [name]\n", "policy.order", "expected one of oldest-first, name, zone-round-robin, got a list"),
        bad("unknown enum value", "policy:\n  order: random\n", "policy.order", "expected one of oldest-first, name, zone-round-robin, got 'random'"),
        bad("misspelt enum value", "policy:\n  order: oldest-frist\n", "policy.order", "did you mean 'oldest-first'?"),
        // numbers out of range
        bad("negative int", "policy:\n  maxUnavailable: -1\n", "policy.maxUnavailable", "expected an integer >= 0, got -1"),
        bad("negative surge", "policy:\n  maxSurge: -3\n", "policy.maxSurge", "expected an integer >= 0, got -3"),
        bad("huge int", "policy:\n  maxUnavailable: 99999999999999999999\n", "policy.maxUnavailable", "expected an integer <= 10000 (range 0..10000), got 99999999999999999999"),
        bad("int just past Integer.MAX_VALUE", "policy:\n  maxNodesPerRun: 2147483648\n", "policy.maxNodesPerRun", "expected an integer <= 100000"),
        bad("zero consecutive passes", "gates:\n  consecutivePasses: 0\n", "gates.consecutivePasses", "expected an integer >= 1 (range 1..100), got 0"),
        bad("octal-looking int", "policy:\n  maxSurge: 010\n", "policy.maxSurge", "write integers in plain decimal; YAML reads '010' as 8"),
        bad("hex int", "gates:\n  clusterState: {maxNotReadyNodes: 0x10}\n", "gates.clusterState.maxNotReadyNodes", "write integers in plain decimal"),
        // durations
        bad("negative duration", "policy:\n  drainTimeout: -5s\n", "policy.drainTimeout", "a duration cannot be negative, got '-5s'"),
        bad("zero duration", "policy:\n  drainTimeout: 0s\n", "policy.drainTimeout", "expected a positive duration"),
        bad("bad duration unit", "policy:\n  drainTimeout: 15x\n", "policy.drainTimeout", "expected a duration like 90s, 15m, 1h30m or 2d"),
        bad("units out of order", "policy:\n  replacementTimeout: 30m1h\n", "policy.replacementTimeout", "expected a duration like"),
        bad("bare number duration", "policy:\n  pollInterval: 90\n", "policy.pollInterval", "a bare number has no unit; write e.g. 90s"),
        bad("duration above its maximum", "policy:\n  drainTimeout: 8d\n", "policy.drainTimeout", "expected at most 7d, got '8d'"),
        bad("duration with too many digits", "policy:\n  drainTimeout: 99999999999d\n", "policy.drainTimeout", "expected a duration like"),
        bad("poll interval too small", "policy:\n  pollInterval: 10ms\n", "policy.pollInterval", "expected at least 100ms, got '10ms'"),
        bad("maxAge too small", "selector:\n  maxAge: 30m\n", "selector.maxAge", "expected at least 1h"),
        bad("negative grace", "gates:\n  clusterState: {newNodeGrace: -1m}\n", "gates.clusterState.newNodeGrace", "cannot be negative"),
        bad("backoff max below initial", "policy:\n  evictionBackoff: {initial: 1m, max: 5s}\n", "policy.evictionBackoff", "max (5s) must be at least initial (1m)"),
        // rules across keys, checked by RotationPolicy itself
        bad("maxUnavailable 0 and maxSurge 0", "policy:\n  maxUnavailable: 0\n  maxSurge: 0\n", "policy", "maxUnavailable and maxSurge are both 0"),
        // provider
        bad("unknown provider", "provider:\n  type: azure\n", "provider.type", "unknown provider 'azure'; known providers: fake, aws, gke"),
        bad("misspelt provider", "provider:\n  type: fak\n", "provider.type", "unknown provider 'fak' (did you mean 'fake'?)"),
        bad("aws provider", "provider:\n  type: aws\n", "provider.type", "'aws' is not available in this build yet"),
        bad("gke provider in capitals", "provider:\n  type: GKE\n", "provider.type", "'gke' is not available in this build yet"),
        // selector
        bad("bad kubelet version", "selector:\n  kubeletVersionBelow: latest\n", "selector.kubeletVersionBelow", "expected a Kubernetes version like v1.31.2, got 'latest'"),
        bad("kubelet version with suffix", "selector:\n  kubeletVersionBelow: v1.31.2-eks-1\n", "selector.kubeletVersionBelow", "expected a Kubernetes version"),
        bad("unquoted 1.31 is a number", "selector:\n  kubeletVersionBelow: 1.31\n", "selector.kubeletVersionBelow", "expected a string, got number 1.31"),
        bad("empty selector", "selector: {}\n", "selector", "no criterion set"),
        bad("selector with nothing under it", "selector:\n", "selector", "no criterion set"),
        bad("selector with only provider: false", "selector:\n  provider: false\n", "selector", "no criterion set"),
        bad("label without value", "selector:\n  label: {key: pool}\n", "selector.label.value", "required"),
        bad("label without key", "selector:\n  label: {value: v2}\n", "selector.label.key", "required"),
        bad("invalid label key", "selector:\n  label: {key: 'bad key!', value: v}\n", "selector.label.key", "expected a Kubernetes label/annotation key"),
        bad("invalid label value", "selector:\n  label: {key: pool, value: 'a b'}\n", "selector.label.value", "expected a Kubernetes label value"),
        bad("unquoted no is a boolean", "selector:\n  label: {key: pool, value: no}\n", "selector.label.value", "expected a string, got boolean false (unquoted yes/no"),
        // cluster
        bad("namespace not a DNS label", "cluster:\n  stateNamespace: Rotator_System\n", "cluster.stateNamespace", "expected a DNS-1123 label"),
        bad("configmap name not a subdomain", "cluster:\n  stateConfigMap: state..map\n", "cluster.stateConfigMap", "expected a DNS-1123 subdomain"),
        bad("empty kubeconfig", "cluster:\n  kubeconfig: ''\n", "cluster.kubeconfig", "must not be empty"),
        bad("control characters in context", "cluster:\n  context: \"a\\nb\"\n", "cluster.context", "must not contain control characters"),
        // identity
        bad("wrong apiVersion", "apiVersion: v1\n", "apiVersion", "expected 'rotator.dev/v1alpha1', got 'v1'"),
        bad("wrong kind", "kind: Config\n", "kind", "expected 'RotatorConfig', got 'Config'"),
        // YAML itself
        bad("alias bomb", aliasBomb(), "b[0]", "YAML aliases (*a) are not allowed"),
        bad("plain alias", "policy:\n  maxSurge: &n 1\n  maxUnavailable: *n\n", "policy.maxUnavailable", "YAML aliases (*n) are not allowed"),
        bad("explicit tag", "policy:\n  maxSurge: !!binary aGk=\n", "policy.maxSurge", "explicit YAML tags"),
        bad("duplicate key", "policy:\n  maxSurge: 1\n  maxSurge: 2\n", "policy.maxSurge", "duplicate key"),
        bad("two documents", "policy: {}\n---\ngates: {}\n", "(root)", "more than one YAML document"),
        bad("syntax error", "policy: [1\ngates: {}\n", "policy", "not valid YAML at line 2"),
        bad("bad indentation", "policy:\n  maxSurge: 1\n    maxUnavailable: 2\n", "policy", "not valid YAML at line 3"),
        bad("nesting bomb", "x: " + "[".repeat(200) + "]".repeat(200) + "\n", "x" + "[0]".repeat(64), "nested deeper than 64 levels"),
        bad("non-map root: list", "- a\n- b\n", "(root)", "expected a mapping with keys apiVersion, kind, cluster"),
        bad("non-map root: scalar", "hello\n", "(root)", "expected a mapping"),
        bad("2 MiB document", "# " + "x".repeat(2 << 20) + "\n", "(root)", "the document is larger than 1048576 bytes"));
  }

  private static Arguments bad(String name, String yaml, String keyPath, String problemFragment) {
    return Arguments.of(name, yaml, keyPath, problemFragment);
  }

  /** "Billion laughs": nine levels of nine aliases each, a billion strings if expanded. */
  static String aliasBomb() {
    StringBuilder b = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    char prev = 'a';
    for (char c = 'b'; c <= 'i'; c++) {
      b.append(c).append(": &").append(c).append(" [");
      for (int i = 0; i < 9; i++) {
        b.append(i == 0 ? "" : ",").append('*').append(prev);
      }
      b.append("]\n");
      prev = c;
    }
    return b.toString();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  @DisplayName("a bad config is refused with a one-line message that starts with the key path")
  void refused(String name, String yaml, String keyPath, String problemFragment) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "rotator.yaml"));
    String msg = e.getMessage();
    assertTrue(msg.startsWith(keyPath + ": "), () -> "expected key path '" + keyPath + "' first: " + msg);
    assertEquals(keyPath, e.keyPath());
    assertTrue(msg.contains(problemFragment), () -> "expected '" + problemFragment + "' in: " + msg);
    assertFalse(msg.contains("\n"), () -> "message spans lines: " + msg);
    assertFalse(msg.contains("Exception") || msg.contains("\tat ") || msg.contains(".java:"), () -> "internals leak: " + msg);
    assertTrue(msg.length() < 600, () -> "message too long: " + msg.length());
    assertEquals("rotator.yaml", e.source());
    assertEquals("rotator.yaml: " + msg, e.describe());
  }
}

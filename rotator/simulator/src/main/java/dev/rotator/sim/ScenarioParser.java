package dev.rotator.sim;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rotator.core.engine.KubeVersion;
import dev.rotator.sim.Scenario.ClockSpec;
import dev.rotator.sim.Scenario.IntOrPercent;
import dev.rotator.sim.Scenario.NodeGroupSpec;
import dev.rotator.sim.Scenario.PdbSpec;
import dev.rotator.sim.Scenario.TolerationSpec;
import dev.rotator.sim.Scenario.WorkloadKind;
import dev.rotator.sim.Scenario.WorkloadSpec;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Strict reader of scenario YAML: unknown keys, wrong types and out-of-range values are errors naming the
 * key ({@code nodeGroups[1].quota}) and what is expected.
 */
final class ScenarioParser {
  static final double DEFAULT_SCALE = 100;
  static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern CPU = Pattern.compile("(\\d+)m");
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final String source;

  ScenarioParser(String source) {
    this.source = source;
  }

  Scenario parse(String text) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ScenarioException(source, "", "not valid YAML: " + e.getOriginalMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ScenarioException(source, "", "the file is empty");
    }
    Obj top = obj(root, "", "name", "seed", "clock", "nodeGroups", "workloads", "rotator", "faults");
    String name = top.string("name", null);
    if (name == null || name.isBlank()) {
      throw fail("name", "required: a name for the scenario");
    }
    long seed = top.integer("seed", 1, Long.MIN_VALUE);
    ClockSpec clock = clock(top.optional("clock"));
    List<NodeGroupSpec> groups = new ArrayList<>();
    JsonNode ng = top.optional("nodeGroups");
    if (ng == null || !ng.isArray() || ng.isEmpty()) {
      throw fail("nodeGroups", "required: a non-empty list of node groups");
    }
    Set<String> groupNames = new HashSet<>();
    for (int i = 0; i < ng.size(); i++) {
      NodeGroupSpec g = nodeGroup(ng.get(i), "nodeGroups[" + i + "]");
      if (!groupNames.add(g.name())) {
        throw fail("nodeGroups[" + i + "].name", "duplicate node group name '" + g.name() + "'");
      }
      groups.add(g);
    }
    List<WorkloadSpec> workloads = new ArrayList<>();
    JsonNode wl = top.optional("workloads");
    if (wl != null && !wl.isNull()) {
      if (!wl.isArray()) {
        throw fail("workloads", "expected a list of workloads");
      }
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < wl.size(); i++) {
        WorkloadSpec w = workload(wl.get(i), "workloads[" + i + "]");
        if (!seen.add(w.namespace() + "/" + w.name())) {
          throw fail(
              "workloads[" + i + "].name",
              "duplicate workload '" + w.name() + "' in namespace " + w.namespace()
                  + " (pods are selected by the label app=<name>, so names must be unique per namespace)");
        }
        workloads.add(w);
      }
    }
    JsonNode rotator = top.optional("rotator");
    if (rotator != null && !rotator.isNull() && !rotator.isObject()) {
      throw fail("rotator", "expected a mapping (a rotator.yaml subtree)");
    }
    JsonNode faults = top.optional("faults");
    if (faults != null && !faults.isNull()) {
      if (!faults.isArray()) {
        throw fail("faults", "expected a list");
      }
      if (!faults.isEmpty()) {
        throw fail("faults[0]", "unknown fault kind; this version supports no fault injections (use faults: [])");
      }
    }
    return new Scenario(
        name, seed, clock, groups, workloads, rotator == null || rotator.isNull() ? null : rotator, List.of());
  }

  private ClockSpec clock(JsonNode n) {
    if (n == null || n.isNull()) {
      return new ClockSpec(DEFAULT_SCALE, DEFAULT_START);
    }
    Obj o = obj(n, "clock", "scale", "start");
    double scale = o.number("scale", DEFAULT_SCALE);
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw fail("clock.scale", "expected a positive number of simulated seconds per wall second, got " + scale);
    }
    String start = o.string("start", null);
    Instant at = DEFAULT_START;
    if (start != null) {
      try {
        at = Instant.parse(start);
      } catch (DateTimeParseException e) {
        throw fail("clock.start", "expected an ISO-8601 instant like 2030-01-01T00:00:00Z, got '" + start + "'");
      }
    }
    return new ClockSpec(scale, at);
  }

  private NodeGroupSpec nodeGroup(JsonNode n, String path) {
    Obj o = obj(n, path, "name", "zones", "size", "minSize", "maxSize", "quota", "cpu", "memoryMi", "kubeletVersion",
        "targetVersion", "provisioningSeconds", "readySeconds", "instanceType");
    String name = o.string("name", null);
    if (name == null || !DNS_LABEL.matcher(name).matches()) {
      throw fail(path + ".name", "required: a DNS label (lowercase letters, digits, '-'), got " + quote(name));
    }
    List<String> zones = o.stringList("zones", List.of(name + "-zone-a"));
    if (zones.isEmpty()) {
      throw fail(path + ".zones", "expected at least one zone");
    }
    int size = (int) o.integer("size", -1, 0);
    if (size < 0) {
      throw fail(path + ".size", "required: the number of nodes at start (>= 0)");
    }
    int minSize = (int) o.integer("minSize", 0, 0);
    int maxSize = (int) o.integer("maxSize", Math.max(size * 2, size + 1), 0);
    if (minSize > size) {
      throw fail(path + ".minSize", "must be <= size (" + size + "), got " + minSize);
    }
    if (maxSize < size) {
      throw fail(path + ".maxSize", "must be >= size (" + size + "), got " + maxSize);
    }
    int quota = (int) o.integer("quota", maxSize, 0);
    if (quota < size) {
      throw fail(path + ".quota", "must be >= size (" + size + "): the nodes at start count against it, got " + quota);
    }
    long cpu = o.cpu("cpu", 4000);
    long mem = o.integer("memoryMi", 16384, 1);
    String kubelet = o.version("kubeletVersion", null);
    if (kubelet == null) {
      throw fail(path + ".kubeletVersion", "required: the kubelet version of the nodes at start, like v1.30.4");
    }
    String target = o.version("targetVersion", kubelet);
    int prov = (int) o.integer("provisioningSeconds", 90, 0);
    int ready = (int) o.integer("readySeconds", 10, 0);
    String type = o.string("instanceType", "sim.standard");
    return new NodeGroupSpec(name, zones, size, minSize, maxSize, quota, cpu, mem, kubelet, target, prov, ready, type);
  }

  private WorkloadSpec workload(JsonNode n, String path) {
    Obj o = obj(n, path, "kind", "namespace", "name", "replicas", "cpu", "memoryMi", "startupSeconds",
        "terminationGraceSeconds", "emptyDir", "neverReady", "nodeSelector", "tolerations", "pdb");
    String kindText = o.string("kind", "Deployment");
    WorkloadKind kind;
    try {
      kind = WorkloadKind.valueOf(kindText);
    } catch (IllegalArgumentException e) {
      throw fail(path + ".kind", "expected one of " + Arrays.toString(WorkloadKind.values()) + ", got " + quote(kindText));
    }
    String ns = o.string("namespace", "default");
    if (!DNS_LABEL.matcher(ns).matches()) {
      throw fail(path + ".namespace", "expected a DNS label, got " + quote(ns));
    }
    String name = o.string("name", null);
    if (name == null || !DNS_LABEL.matcher(name).matches() || name.length() > 40) {
      throw fail(path + ".name", "required: a DNS label of at most 40 characters, got " + quote(name));
    }
    boolean perNode = kind == WorkloadKind.DaemonSet || kind == WorkloadKind.StaticPod;
    if (perNode && o.has("replicas")) {
      throw fail(path + ".replicas", "not used for " + kind + " (one pod per node)");
    }
    int replicas = (int) o.integer("replicas", 1, 0);
    long cpu = o.cpu("cpu", 100);
    long mem = o.integer("memoryMi", 128, 0);
    int startup = (int) o.integer("startupSeconds", 5, 0);
    int grace = (int) o.integer("terminationGraceSeconds", 30, 0);
    boolean emptyDir = o.bool("emptyDir", false);
    boolean neverReady = o.bool("neverReady", false);
    Map<String, String> selector = o.stringMap("nodeSelector");
    List<TolerationSpec> tolerations = new ArrayList<>();
    JsonNode tl = o.optional("tolerations");
    if (tl != null && !tl.isNull()) {
      if (!tl.isArray()) {
        throw fail(path + ".tolerations", "expected a list of tolerations");
      }
      for (int i = 0; i < tl.size(); i++) {
        tolerations.add(toleration(tl.get(i), path + ".tolerations[" + i + "]"));
      }
    }
    PdbSpec pdb = null;
    JsonNode p = o.optional("pdb");
    if (p != null && !p.isNull()) {
      Obj po = obj(p, path + ".pdb", "minAvailable", "maxUnavailable");
      IntOrPercent min = po.intOrPercent("minAvailable");
      IntOrPercent max = po.intOrPercent("maxUnavailable");
      if ((min == null) == (max == null)) {
        throw fail(path + ".pdb", "set exactly one of minAvailable and maxUnavailable");
      }
      pdb = new PdbSpec(min, max);
    }
    return new WorkloadSpec(
        kind, ns, name, perNode ? 0 : replicas, cpu, mem, startup, grace, emptyDir, neverReady, selector, tolerations, pdb);
  }

  private TolerationSpec toleration(JsonNode n, String path) {
    Obj o = obj(n, path, "key", "operator", "value", "effect");
    String key = o.string("key", "");
    String op = o.string("operator", "Equal");
    if (!op.equals("Equal") && !op.equals("Exists")) {
      throw fail(path + ".operator", "expected Equal or Exists, got " + quote(op));
    }
    String value = o.string("value", "");
    String effect = o.string("effect", "");
    if (!List.of("", "NoSchedule", "PreferNoSchedule", "NoExecute").contains(effect)) {
      throw fail(path + ".effect", "expected NoSchedule, PreferNoSchedule or NoExecute, got " + quote(effect));
    }
    if (key.isEmpty() && !op.equals("Exists")) {
      throw fail(path + ".operator", "a toleration without a key must use operator Exists");
    }
    return new TolerationSpec(key, op, value, effect);
  }

  // ---------------------------------------------------------------- typed access with paths

  private ScenarioException fail(String key, String message) {
    return new ScenarioException(source, key, message);
  }

  private static String quote(String s) {
    return s == null ? "nothing" : "'" + s + "'";
  }

  /** A mapping whose keys must all be among {@code allowed}: an unknown key is the first thing reported. */
  private Obj obj(JsonNode n, String path, String... allowed) {
    if (n == null || !n.isObject()) {
      throw fail(path.isEmpty() ? "" : path, "expected a mapping");
    }
    List<String> keys = List.of(allowed);
    Iterator<String> it = n.fieldNames();
    while (it.hasNext()) {
      String f = it.next();
      if (!keys.contains(f)) {
        throw fail(path.isEmpty() ? f : path + "." + f, "unknown key (expected one of " + keys + ")");
      }
    }
    return new Obj(n, path);
  }

  /** A mapping being read, with the path of each key for error messages. */
  private final class Obj {
    final JsonNode node;
    final String path;

    Obj(JsonNode node, String path) {
      this.node = node;
      this.path = path;
    }

    String key(String k) {
      return path.isEmpty() ? k : path + "." + k;
    }

    boolean has(String k) {
      return node.has(k);
    }

    JsonNode optional(String k) {
      return node.get(k);
    }

    String string(String k, String dflt) {
      JsonNode v = optional(k);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isValueNode() || v.isBoolean()) {
        throw fail(key(k), "expected a string");
      }
      return v.asText();
    }

    long integer(String k, long dflt, long min) {
      JsonNode v = optional(k);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isIntegralNumber()) {
        throw fail(key(k), "expected a whole number, got " + v);
      }
      if (v.asLong() < min) {
        throw fail(key(k), "must be >= " + min + ", got " + v.asLong());
      }
      return v.asLong();
    }

    double number(String k, double dflt) {
      JsonNode v = optional(k);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isNumber()) {
        throw fail(key(k), "expected a number, got " + v);
      }
      return v.asDouble();
    }

    boolean bool(String k, boolean dflt) {
      JsonNode v = optional(k);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isBoolean()) {
        throw fail(key(k), "expected true or false, got " + v);
      }
      return v.asBoolean();
    }

    /** Cores as a number ({@code 2}, {@code 0.5}) or millicores as a string ({@code "500m"}). */
    long cpu(String k, long dfltMillis) {
      JsonNode v = optional(k);
      if (v == null || v.isNull()) {
        return dfltMillis;
      }
      long millis;
      if (v.isNumber()) {
        millis = new BigDecimal(v.asText()).movePointRight(3).longValue();
      } else if (v.isTextual() && CPU.matcher(v.asText()).matches()) {
        millis = Long.parseLong(v.asText().substring(0, v.asText().length() - 1));
      } else if (v.isTextual() && v.asText().matches("\\d+(\\.\\d+)?")) {
        millis = new BigDecimal(v.asText()).movePointRight(3).longValue();
      } else {
        throw fail(key(k), "expected CPU as cores (2, 0.5) or millicores (\"500m\"), got " + v);
      }
      if (millis < 0) {
        throw fail(key(k), "must not be negative");
      }
      return millis;
    }

    String version(String k, String dflt) {
      String v = string(k, null);
      if (v == null) {
        return dflt;
      }
      try {
        KubeVersion.parse(v);
      } catch (IllegalArgumentException e) {
        throw fail(key(k), "expected a Kubernetes version like v1.31.2, got '" + v + "'");
      }
      return v.startsWith("v") ? v : "v" + v;
    }

    List<String> stringList(String k, List<String> dflt) {
      JsonNode v = optional(k);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isArray()) {
        throw fail(key(k), "expected a list of strings");
      }
      List<String> out = new ArrayList<>();
      for (int i = 0; i < v.size(); i++) {
        JsonNode e = v.get(i);
        if (!e.isTextual() || e.asText().isBlank()) {
          throw fail(key(k) + "[" + i + "]", "expected a non-empty string");
        }
        out.add(e.asText());
      }
      return out;
    }

    Map<String, String> stringMap(String k) {
      JsonNode v = optional(k);
      Map<String, String> out = new LinkedHashMap<>();
      if (v == null || v.isNull()) {
        return out;
      }
      if (!v.isObject()) {
        throw fail(key(k), "expected a mapping of label to value");
      }
      Iterator<Map.Entry<String, JsonNode>> it = v.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isValueNode() || e.getValue().isNull()) {
          throw fail(key(k) + "." + e.getKey(), "expected a string value");
        }
        out.put(e.getKey(), e.getValue().asText());
      }
      return out;
    }

    IntOrPercent intOrPercent(String k) {
      JsonNode v = optional(k);
      if (v == null || v.isNull()) {
        return null;
      }
      if (v.isIntegralNumber() && v.asInt() >= 0) {
        return new IntOrPercent(v.asInt(), false);
      }
      if (v.isTextual() && v.asText().matches("\\d{1,3}%")) {
        int pct = Integer.parseInt(v.asText().substring(0, v.asText().length() - 1));
        if (pct <= 100) {
          return new IntOrPercent(pct, true);
        }
      }
      throw fail(key(k), "expected a whole number >= 0 or a percentage like \"50%\", got " + v);
    }
  }
}

package dev.rotator.sim;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rotator.core.engine.KubeVersion;
import dev.rotator.provider.fake.FakeFlavor;
import dev.rotator.sim.Scenario.ClockSpec;
import dev.rotator.sim.Scenario.EtcdSpec;
import dev.rotator.sim.Scenario.PrometheusSpec;
import dev.rotator.sim.Scenario.Timing;
import dev.rotator.sim.Scenario.IntOrPercent;
import dev.rotator.sim.Scenario.NodeGroupSpec;
import dev.rotator.sim.Scenario.PdbSpec;
import dev.rotator.sim.Scenario.TolerationSpec;
import dev.rotator.sim.Scenario.WorkloadKind;
import dev.rotator.sim.Scenario.WorkloadSpec;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
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
  /** rotator's duration grammar (rotator/config Durations): units d h m s ms, largest first. */
  private static final Pattern DURATION =
      Pattern.compile("^(?:(\\d{1,9})d)?(?:(\\d{1,9})h)?(?:(\\d{1,9})m(?!s))?(?:(\\d{1,9})s)?(?:(\\d{1,9})ms)?$");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final List<Integer> API_ERROR_STATUSES = List.of(429, 500, 502, 503, 504);
  static final int DEFAULT_ETCD_MEMBERS = 3;
  static final String DEFAULT_GKE_CLUSTER = "sim";
  static final String DEFAULT_GKE_PROJECT = "sim-project";
  /** 63 − len("gke-" "-" "-12345678-abcd"): what a GKE instance name leaves for cluster and pool names. */
  static final int MAX_GKE_NAME_PARTS = 63 - 19;
  static final int MAX_ETCD_MEMBERS = 7;
  static final long MAX_DELAY_MILLIS = 10_000;
  /** Any whole number in a scenario: beyond this it is a typo or an attack, never a cluster. */
  static final long MAX_WHOLE_NUMBER = 1_000_000_000L;
  /** Nodes per group (size, maxSize): far above the 5,000-node benchmarks, far below a DoS. */
  static final int MAX_GROUP_NODES = 20_000;
  /** Replicas per workload. */
  static final int MAX_REPLICAS = 1_000_000;
  // Decimals as BigDecimal nodes, exactly as rotator's config loader reads rotator.yaml: the rotator:
  // subtree is handed to it as a tree, and it refuses binary doubles (0.05 must stay 0.05).
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

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
    Obj top = obj(root, "", "name", "seed", "clock", "controlPlaneVersion", "nodeGroups", "workloads", "etcd",
        "prometheus", "rotator", "faults");
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
    if (rotator != null && rotator.isNull()) {
      rotator = null;
    }
    String controlPlane = top.version("controlPlaneVersion", null);
    if (controlPlane == null) {
      controlPlane = groups.stream()
          .map(NodeGroupSpec::targetVersion)
          .max((a, b) -> KubeVersion.parse(a).compareTo(KubeVersion.parse(b)))
          .orElseThrow();
    }
    List<FaultSpec> faults = new ArrayList<>();
    JsonNode fl = top.optional("faults");
    if (fl != null && !fl.isNull()) {
      if (!fl.isArray()) {
        throw fail("faults", "expected a list of faults");
      }
      for (int i = 0; i < fl.size(); i++) {
        faults.add(fault(fl.get(i), "faults[" + i + "]", groups));
      }
    }
    boolean etcdGate = rotator != null && rotator.path("gates").path("etcd").path("enabled").asBoolean(false);
    boolean promGate = rotator != null && rotator.path("gates").path("prometheus").path("enabled").asBoolean(false);
    EtcdSpec etcd = etcd(top.optional("etcd"),
        etcdGate || faults.stream().anyMatch(f -> f instanceof FaultSpec.EtcdMembersDown));
    PrometheusSpec prometheus = prometheus(top.optional("prometheus"),
        promGate || faults.stream().anyMatch(f -> f instanceof FaultSpec.AlertFiring));
    for (int i = 0; i < faults.size(); i++) {
      if (faults.get(i) instanceof FaultSpec.EtcdMembersDown d && d.count() > etcd.members()) {
        throw fail("faults[" + i + "].count",
            "must be at most etcd.members (" + etcd.members() + "), got " + d.count());
      }
    }
    if (etcd != null && rotator != null && rotator.path("gates").path("etcd").has("endpoints")) {
      throw fail("rotator.gates.etcd.endpoints",
          "leave it out: the simulator sets it to the client URLs of its fake etcd members");
    }
    if (prometheus != null && rotator != null && rotator.path("gates").path("prometheus").has("url")) {
      throw fail("rotator.gates.prometheus.url", "leave it out: the simulator sets it to its fake Prometheus' URL");
    }
    Timing timing = timing(rotator);
    return new Scenario(name, seed, clock, groups, workloads, rotator, controlPlane, etcd, prometheus, faults, timing,
        unhealthyPodDeletes(rotator));
  }

  // ---------------------------------------------------------------- fakes, faults and timing

  private EtcdSpec etcd(JsonNode n, boolean needed) {
    if (n == null || n.isNull()) {
      return needed ? new EtcdSpec(DEFAULT_ETCD_MEMBERS) : null;
    }
    Obj o = obj(n, "etcd", "members");
    int members = (int) o.integer("members", DEFAULT_ETCD_MEMBERS, 1);
    if (members > MAX_ETCD_MEMBERS) {
      throw fail("etcd.members", "must be at most " + MAX_ETCD_MEMBERS + " (etcd recommends 3, 5 or 7), got " + members);
    }
    return new EtcdSpec(members);
  }

  private PrometheusSpec prometheus(JsonNode n, boolean needed) {
    if (n == null || n.isNull()) {
      return needed ? new PrometheusSpec(Map.of()) : null;
    }
    Obj o = obj(n, "prometheus", "queries");
    Map<String, Double> queries = new LinkedHashMap<>();
    JsonNode q = o.optional("queries");
    if (q != null && !q.isNull()) {
      if (!q.isObject()) {
        throw fail("prometheus.queries", "expected a mapping of PromQL expression to number");
      }
      Iterator<Map.Entry<String, JsonNode>> it = q.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isNumber()) {
          throw fail("prometheus.queries." + e.getKey(), "expected a number, got " + e.getValue());
        }
        queries.put(e.getKey(), e.getValue().asDouble());
      }
    }
    return new PrometheusSpec(queries);
  }

  private FaultSpec fault(JsonNode n, String path, List<NodeGroupSpec> groups) {
    if (n == null || !n.isObject()) {
      throw fail(path, "expected a mapping with a kind");
    }
    JsonNode k = n.get("kind");
    if (k == null || !k.isTextual() || !FaultSpec.KINDS.contains(k.asText())) {
      throw fail(path + ".kind", "expected one of " + FaultSpec.KINDS + ", got " + (k == null ? "nothing" : k));
    }
    String kind = k.asText();
    List<String> keys = new ArrayList<>(List.of("kind", "startSeconds", "endSeconds"));
    keys.addAll(
        switch (kind) {
          case "etcdMembersDown" -> List.of("count");
          case "apiErrors" -> List.of("errorPercent", "status", "retryAfterSeconds", "spareRotatorState");
          case "apiLatency" -> List.of("delayMillis");
          case "connectionResets", "nodeConflicts" -> List.of("percent");
          case "watchDrops" -> List.of("everySeconds");
          case "podsStuckTerminating" -> List.of();
          case "pdbTightened" -> List.of("namespace", "name");
          case "nodesNotReady" -> List.of("count", "group");
          case "quotaExhausted", "replacementNotReady" -> List.of("group");
          case "alertFiring" -> List.of("alertname", "labels");
          case "replacementOldVersion" -> List.of("group", "version");
          case "nodeDeletedExternally" -> List.of("group");
          default -> throw new IllegalStateException(kind);
        });
    Obj o = obj(n, path, keys.toArray(new String[0]));
    if (!o.has("startSeconds")) {
      throw fail(path + ".startSeconds",
          "required: simulated seconds after the first cordon or eviction at which the fault starts (>= 0)");
    }
    long start = o.integer("startSeconds", 0, 0);
    OptionalLong end = OptionalLong.empty();
    if (o.has("endSeconds") && !n.get("endSeconds").isNull()) {
      long e = o.integer("endSeconds", 0, 0);
      if (e <= start) {
        throw fail(path + ".endSeconds", "must be after startSeconds (" + start + "), got " + e);
      }
      end = OptionalLong.of(e);
    }
    FaultSpec.Window w = new FaultSpec.Window(start, end);
    switch (kind) {
      case "etcdMembersDown": {
        return new FaultSpec.EtcdMembersDown(w, (int) required(o, path, "count", 1, "the number of members to stop"));
      }
      case "apiErrors": {
        int pct = (int) required(o, path, "errorPercent", 1, "the percentage of API requests to fail (1..100)");
        if (pct > 100) {
          throw fail(path + ".errorPercent", "must be at most 100, got " + pct);
        }
        int status = (int) o.integer("status", 503, 0);
        if (!API_ERROR_STATUSES.contains(status)) {
          throw fail(path + ".status", "expected one of " + API_ERROR_STATUSES + ", got " + status);
        }
        if (status != 429 && o.has("retryAfterSeconds")) {
          throw fail(path + ".retryAfterSeconds", "only with status 429 (the Retry-After of a throttled request)");
        }
        long retryAfter = status == 429 ? o.integer("retryAfterSeconds", 1, 0) : 0;
        if (retryAfter > 3600) {
          throw fail(path + ".retryAfterSeconds", "must be at most 3600, got " + retryAfter);
        }
        return new FaultSpec.ApiErrors(w, pct, status, retryAfter, o.bool("spareRotatorState", true));
      }
      case "apiLatency": {
        long delay = required(o, path, "delayMillis", 1, "the wall-clock milliseconds added to every API response");
        if (delay > MAX_DELAY_MILLIS) {
          throw fail(path + ".delayMillis", "must be at most " + MAX_DELAY_MILLIS + " (wall time), got " + delay);
        }
        return new FaultSpec.ApiLatency(w, delay);
      }
      case "connectionResets":
      case "nodeConflicts": {
        int pct = (int) required(o, path, "percent", 1,
            kind.equals("connectionResets")
                ? "the percentage of API requests whose connection is reset (1..100)"
                : "the percentage of PUT/PATCH requests on Nodes answered 409 (1..100)");
        if (pct > 100) {
          throw fail(path + ".percent", "must be at most 100, got " + pct);
        }
        return kind.equals("connectionResets")
            ? new FaultSpec.ConnectionResets(w, pct)
            : new FaultSpec.NodeConflicts(w, pct);
      }
      case "podsStuckTerminating": {
        return new FaultSpec.PodsStuckTerminating(w);
      }
      case "pdbTightened": {
        String ns = o.string("namespace", "default");
        String pdb = o.string("name", null);
        if (pdb == null || pdb.isBlank()) {
          throw fail(path + ".name", "required: the name of a workload with a pdb (its PDB has the workload's name)");
        }
        return new FaultSpec.PdbTightened(w, ns, pdb);
      }
      case "watchDrops": {
        long every = required(o, path, "everySeconds", 1, "simulated seconds between two drops of every watch");
        return new FaultSpec.WatchDrops(w, every);
      }
      case "nodesNotReady": {
        int count = (int) required(o, path, "count", 1, "the number of nodes to turn NotReady");
        String group = o.string("group", null);
        int available = 0;
        for (NodeGroupSpec g : groups) {
          if (group == null || g.name().equals(group)) {
            available += g.size();
          }
        }
        if (group != null) {
          group(groups, path + ".group", group);
        }
        if (count > available) {
          throw fail(path + ".count", "must be at most the " + available + " node(s) at start"
              + (group == null ? "" : " in group " + group) + ", got " + count);
        }
        return new FaultSpec.NodesNotReady(w, count, group);
      }
      case "quotaExhausted": {
        return new FaultSpec.QuotaExhausted(w, group(groups, path + ".group", o.string("group", null)).name());
      }
      case "replacementNotReady": {
        return new FaultSpec.ReplacementNotReady(w, group(groups, path + ".group", o.string("group", null)).name());
      }
      case "replacementOldVersion": {
        NodeGroupSpec g = group(groups, path + ".group", o.string("group", null));
        String version = o.version("version", g.kubeletVersion());
        if (KubeVersion.parse(version).compareTo(KubeVersion.parse(g.targetVersion())) >= 0) {
          throw fail(path + ".version", "must be below the group's targetVersion (" + g.targetVersion()
              + ") to be an old version, got " + version);
        }
        return new FaultSpec.ReplacementOldVersion(w, g.name(), version);
      }
      case "nodeDeletedExternally": {
        String group = o.string("group", null);
        return new FaultSpec.NodeDeletedExternally(w, group == null ? null : group(groups, path + ".group", group).name());
      }
      case "alertFiring": {
        String alert = o.string("alertname", null);
        if (alert == null || alert.isBlank()) {
          throw fail(path + ".alertname", "required: the name of the alert that fires");
        }
        Map<String, String> labels = o.has("labels") ? o.stringMap("labels") : Map.of("severity", "critical");
        for (String l : labels.keySet()) {
          if (!LABEL_NAME.matcher(l).matches()) {
            throw fail(path + ".labels." + l, "not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)");
          }
        }
        if (labels.containsKey("alertname")) {
          throw fail(path + ".labels.alertname", "set the alert's name with the alertname key, not as a label");
        }
        return new FaultSpec.AlertFiring(w, alert, labels);
      }
      default:
        throw new IllegalStateException(kind);
    }
  }

  private long required(Obj o, String path, String key, long min, String what) {
    if (!o.has(key) || o.optional(key).isNull()) {
      throw fail(path + "." + key, "required: " + what);
    }
    return o.integer(key, 0, min);
  }

  private NodeGroupSpec group(List<NodeGroupSpec> groups, String key, String name) {
    if (name == null) {
      throw fail(key, "required: the name of a node group");
    }
    return groups.stream()
        .filter(g -> g.name().equals(name))
        .findFirst()
        .orElseThrow(() -> fail(key, "no node group '" + name + "'; groups: "
            + groups.stream().map(NodeGroupSpec::name).toList()));
  }

  /** The rotator's timing keys, with rotator's defaults; parsed with rotator's duration grammar. */
  private Timing timing(JsonNode rotator) {
    if (rotator == null) {
      return Timing.DEFAULTS;
    }
    return new Timing(
        duration(rotator, "policy", "pollInterval", Timing.DEFAULTS.pollInterval()),
        duration(rotator, "gates", "checkTimeout", Timing.DEFAULTS.checkTimeout()),
        duration(rotator, "policy", "replacementTimeout", Timing.DEFAULTS.replacementTimeout()));
  }

  /**
   * The opt-in {@code rotator.policy.unhealthyPodEviction} as the recorder reads it (rotator's own loader checks
   * the rest of the section when rotator runs).
   */
  private Scenario.UnhealthyPodDeletes unhealthyPodDeletes(JsonNode rotator) {
    JsonNode u = rotator == null ? null : rotator.path("policy").get("unhealthyPodEviction");
    if (u == null || u.isNull()) {
      return Scenario.UnhealthyPodDeletes.NONE;
    }
    String path = "rotator.policy.unhealthyPodEviction";
    if (!u.isObject()) {
      throw fail(path, "expected a mapping with namespaces, selector and after");
    }
    List<String> namespaces = new ArrayList<>();
    JsonNode ns = u.get("namespaces");
    if (ns != null && !ns.isNull()) {
      if (!ns.isArray()) {
        throw fail(path + ".namespaces", "expected a list of namespace names");
      }
      for (JsonNode n : ns) {
        if (!n.isTextual()) {
          throw fail(path + ".namespaces", "expected a list of namespace names, got " + n);
        }
        namespaces.add(n.asText());
      }
    }
    Map<String, String> selector = new LinkedHashMap<>();
    JsonNode sel = u.get("selector");
    if (sel != null && !sel.isNull()) {
      if (!sel.isObject()) {
        throw fail(path + ".selector", "expected a mapping of label key to value");
      }
      Iterator<Map.Entry<String, JsonNode>> it = sel.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          throw fail(path + ".selector." + e.getKey(), "expected a string, got " + e.getValue());
        }
        selector.put(e.getKey(), e.getValue().asText());
      }
    }
    Duration after = duration(u.path("after"), path + ".after", Scenario.UnhealthyPodDeletes.NONE.after());
    return new Scenario.UnhealthyPodDeletes(namespaces, selector, after);
  }

  private Duration duration(JsonNode rotator, String section, String key, Duration dflt) {
    return duration(rotator.path(section).path(key), "rotator." + section + "." + key, dflt);
  }

  private Duration duration(JsonNode v, String path, Duration dflt) {
    if (v.isMissingNode() || v.isNull()) {
      return dflt;
    }
    if (!v.isTextual()) {
      throw fail(path, "expected a duration like 5s, got " + v);
    }
    Matcher m = DURATION.matcher(v.asText());
    if (!m.matches() || v.asText().isEmpty()) {
      throw fail(path, "expected a duration like 90s, 15m, 1h30m or 500ms, got '" + v.asText() + "'");
    }
    long[] unitSeconds = {86_400, 3_600, 60, 1};
    Duration d = Duration.ZERO;
    for (int i = 0; i < 4; i++) {
      if (m.group(i + 1) != null) {
        d = d.plusSeconds(Long.parseLong(m.group(i + 1)) * unitSeconds[i]);
      }
    }
    if (m.group(5) != null) {
      d = d.plusMillis(Long.parseLong(m.group(5)));
    }
    return d;
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
    Obj o = obj(n, path, "name", "flavor", "zones", "size", "minSize", "maxSize", "quota", "cpu", "memoryMi",
        "kubeletVersion", "targetVersion", "provisioningSeconds", "readySeconds", "instanceType", "cluster", "project");
    String name = o.string("name", null);
    if (name == null || !DNS_LABEL.matcher(name).matches()) {
      throw fail(path + ".name", "required: a DNS label (lowercase letters, digits, '-'), got " + quote(name));
    }
    String flavorText = o.string("flavor", "fake");
    if (!List.of("fake", "aws", "gke").contains(flavorText)) {
      throw fail(path + ".flavor", "expected one of fake, aws, gke, got " + quote(flavorText));
    }
    List<String> defaultZones = switch (flavorText) {
      case "aws" -> List.of("us-east-1a");
      case "gke" -> List.of("europe-west1-b");
      default -> List.of(name + "-zone-a");
    };
    List<String> zones = o.stringList("zones", defaultZones);
    if (zones.isEmpty()) {
      throw fail(path + ".zones", "expected at least one zone");
    }
    for (int i = 0; i < zones.size(); i++) {
      if (zones.subList(0, i).contains(zones.get(i))) {
        throw fail(path + ".zones[" + i + "]", "duplicate zone " + quote(zones.get(i)));
      }
    }
    FakeFlavor flavor = flavor(o, path, flavorText, name, zones);
    int size = (int) o.integer("size", -1, 0);
    if (size < 0) {
      throw fail(path + ".size", "required: the number of nodes at start (>= 0)");
    }
    if (size > MAX_GROUP_NODES) {
      throw fail(path + ".size", "must be at most " + MAX_GROUP_NODES + " (the simulator's scale limit), got " + size);
    }
    int minSize = (int) o.integer("minSize", 0, 0);
    int maxSize = (int) o.integer("maxSize", Math.max(size * 2, size + 1), 0);
    if (minSize > size) {
      throw fail(path + ".minSize", "must be <= size (" + size + "), got " + minSize);
    }
    if (maxSize > MAX_GROUP_NODES) {
      throw fail(path + ".maxSize", "must be at most " + MAX_GROUP_NODES + ", got " + maxSize);
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
    return new NodeGroupSpec(
        name, zones, size, minSize, maxSize, quota, cpu, mem, kubelet, target, prov, ready, type, flavor);
  }

  /** The group's cloud flavour; {@code cluster} and {@code project} belong to gke only. */
  private FakeFlavor flavor(Obj o, String path, String kind, String group, List<String> zones) {
    if (!kind.equals("gke")) {
      for (String k : List.of("cluster", "project")) {
        if (o.has(k)) {
          throw fail(path + "." + k, "only for flavor: gke (this group is flavor: " + kind + ")");
        }
      }
    }
    switch (kind) {
      case "aws" -> {
        String region = null;
        for (int i = 0; i < zones.size(); i++) {
          Matcher m = FakeFlavor.AWS_ZONE.matcher(zones.get(i));
          if (!m.matches()) {
            throw fail(path + ".zones[" + i + "]", "expected an AWS availability zone like us-east-1a, got "
                + quote(zones.get(i)));
          }
          if (region != null && !region.equals(m.group(1))) {
            throw fail(path + ".zones[" + i + "]", "all zones of a group must be in one region (" + region
                + "), got " + quote(zones.get(i)));
          }
          region = m.group(1);
        }
        return FakeFlavor.aws(zones);
      }
      case "gke" -> {
        for (int i = 0; i < zones.size(); i++) {
          if (!FakeFlavor.GCE_ZONE.matcher(zones.get(i)).matches()) {
            throw fail(path + ".zones[" + i + "]", "expected a GCE zone like europe-west1-b, got "
                + quote(zones.get(i)));
          }
        }
        String cluster = o.string("cluster", DEFAULT_GKE_CLUSTER);
        if (!FakeFlavor.GKE_CLUSTER.matcher(cluster).matches()) {
          throw fail(path + ".cluster", "expected a GKE cluster name (lowercase letters, digits, '-', at most 40),"
              + " got " + quote(cluster));
        }
        if (cluster.length() + group.length() > MAX_GKE_NAME_PARTS) {
          throw fail(path + ".cluster", "instance names gke-" + cluster + "-" + group + "-<8 hex>-<4 chars> would"
              + " exceed 63 characters: the cluster and group names may have " + MAX_GKE_NAME_PARTS
              + " characters together");
        }
        String project = o.string("project", DEFAULT_GKE_PROJECT);
        if (!FakeFlavor.GCE_PROJECT.matcher(project).matches()) {
          throw fail(path + ".project", "expected a GCE project id (6-30 lowercase letters, digits, '-'), got "
              + quote(project));
        }
        return FakeFlavor.gke(project, cluster);
      }
      default -> {
        return FakeFlavor.FAKE;
      }
    }
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
    if (replicas > MAX_REPLICAS) {
      throw fail(path + ".replicas", "must be at most " + MAX_REPLICAS + " (the simulator's scale limit), got " + replicas);
    }
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
      // asLong() of a number beyond long wraps silently; and every count here must fit an int.
      if (!v.canConvertToLong() || (min > Long.MIN_VALUE && Math.abs(v.asLong()) > MAX_WHOLE_NUMBER)) {
        throw fail(key(k), "must be at most " + MAX_WHOLE_NUMBER + " in magnitude, got " + abbreviate(v.asText()));
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

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "... (" + text.length() + " digits)" : text;
  }
}

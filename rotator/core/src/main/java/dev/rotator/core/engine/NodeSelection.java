package dev.rotator.core.engine;

import dev.rotator.core.model.NodeInfo;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Which nodes a rotation takes, and in which order. Pure: no I/O beyond the provider's ID mapping. */
final class NodeSelection {

  /** An outdated node the engine will rotate. */
  record Candidate(NodeInfo node, InstanceRef instance, String why) {}

  record Result(List<Candidate> candidates, List<String> skipped) {}

  private NodeSelection() {}

  static Result select(
      List<NodeInfo> nodes, OutdatedSelector selector, CloudProvider cloud, RotationPolicy policy) {
    List<Candidate> out = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (NodeInfo n : nodes) {
      Optional<String> why = selector.whyOutdated(n);
      if (why.isEmpty()) {
        continue;
      }
      if (n.labels().containsKey("node-role.kubernetes.io/control-plane")
          || n.labels().containsKey("node-role.kubernetes.io/master")) {
        // Control-plane nodes need etcd-aware, one-at-a-time handling this version does not automate.
        skipped.add(n.name() + ": control-plane node (rotate it by hand: runbooks/control-plane-rotation.md)");
        continue;
      }
      if ("true".equalsIgnoreCase(n.annotations().get(RotationPolicy.SKIP_ANNOTATION))) {
        skipped.add(n.name() + ": annotated " + RotationPolicy.SKIP_ANNOTATION + "=true");
        continue;
      }
      Optional<InstanceRef> ref = cloud.instanceOf(n.providerId());
      if (ref.isEmpty()) {
        // Without an instance we could drain and delete the node but never replace it: leave it alone.
        skipped.add(
            n.name() + ": providerID '" + n.providerId() + "' is not managed by provider " + cloud.name());
        continue;
      }
      out.add(new Candidate(n, ref.get(), why.get()));
    }
    return new Result(order(out, policy), skipped);
  }

  static List<Candidate> order(List<Candidate> in, RotationPolicy policy) {
    Comparator<Candidate> base =
        switch (policy.order()) {
          case NAME -> Comparator.comparing(c -> c.node().name());
          case OLDEST_FIRST, ZONE_ROUND_ROBIN ->
              Comparator.<Candidate, java.time.Instant>comparing(c -> c.node().created())
                  .thenComparing(c -> c.node().name());
        };
    List<Candidate> sorted = new ArrayList<>(in);
    sorted.sort(base);
    if (policy.order() == RotationPolicy.Order.ZONE_ROUND_ROBIN) {
      sorted = roundRobin(sorted);
    }
    if (policy.notReadyFirst()) {
      // Stable: NotReady nodes first, each part keeps its order. A NotReady node serves nothing, so rotating
      // it first costs no capacity (Strimzi rolls unready pods first for the same reason).
      List<Candidate> notReady = sorted.stream().filter(c -> !c.node().ready()).toList();
      List<Candidate> ready = sorted.stream().filter(c -> c.node().ready()).toList();
      sorted = new ArrayList<>(notReady);
      sorted.addAll(ready);
    }
    return sorted;
  }

  private static List<Candidate> roundRobin(List<Candidate> sorted) {
    Map<String, List<Candidate>> byZone = new TreeMap<>();
    for (Candidate c : sorted) {
      byZone.computeIfAbsent(c.node().zone(), z -> new ArrayList<>()).add(c);
    }
    List<Candidate> out = new ArrayList<>();
    Map<String, Integer> idx = new LinkedHashMap<>();
    boolean added = true;
    while (added) {
      added = false;
      for (var e : byZone.entrySet()) {
        int i = idx.getOrDefault(e.getKey(), 0);
        if (i < e.getValue().size()) {
          out.add(e.getValue().get(i));
          idx.put(e.getKey(), i + 1);
          added = true;
        }
      }
    }
    return out;
  }
}

package dev.rotator.sim.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.sim.cluster.PodFacts;
import dev.rotator.sim.store.ResourceType;
import dev.rotator.sim.store.ResourceTypes;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code meta.k8s.io/v1 Table} renderings of nodes and pods, which kubectl asks for ({@code Accept: ...;as=Table})
 * to print its usual columns. Ages are in simulated time.
 */
final class Tables {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Tables() {}

  static boolean supported(ResourceType t) {
    return t == ResourceTypes.NODES || t == ResourceTypes.PODS;
  }

  static String render(ResourceType t, List<? extends HasMetadata> items, long resourceVersion, Instant now) {
    ObjectNode table = JSON.createObjectNode();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    table.putObject("metadata").put("resourceVersion", Long.toString(resourceVersion));
    ArrayNode cols = table.putArray("columnDefinitions");
    if (t == ResourceTypes.NODES) {
      column(cols, "Name", 0);
      column(cols, "Status", 0);
      column(cols, "Roles", 0);
      column(cols, "Age", 0);
      column(cols, "Version", 0);
      column(cols, "Internal-IP", 1);
      column(cols, "Provider-ID", 1);
    } else {
      column(cols, "Name", 0);
      column(cols, "Ready", 0);
      column(cols, "Status", 0);
      column(cols, "Restarts", 0);
      column(cols, "Age", 0);
      column(cols, "IP", 1);
      column(cols, "Node", 1);
    }
    ArrayNode rows = table.putArray("rows");
    for (HasMetadata o : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      String age = age(o, now);
      if (o instanceof Node n) {
        String ready = PodFacts.nodeCondition(n, "Ready").map(c -> c.getStatus()).orElse("Unknown");
        String status = "True".equals(ready) ? "Ready" : "False".equals(ready) ? "NotReady" : "Unknown";
        if (PodFacts.isUnschedulable(n)) {
          status += ",SchedulingDisabled";
        }
        String ip = n.getStatus().getAddresses() == null ? "<none>" : n.getStatus().getAddresses().stream()
            .filter(a -> "InternalIP".equals(a.getType())).map(a -> a.getAddress()).findFirst().orElse("<none>");
        cells.add(n.getMetadata().getName()).add(status).add("<none>").add(age)
            .add(PodFacts.kubeletVersion(n)).add(ip).add(String.valueOf(n.getSpec().getProviderID()));
      } else if (o instanceof Pod p) {
        List<ContainerStatus> cs = p.getStatus() == null || p.getStatus().getContainerStatuses() == null
            ? List.of() : p.getStatus().getContainerStatuses();
        long ready = cs.stream().filter(c -> Boolean.TRUE.equals(c.getReady())).count();
        int total = p.getSpec().getContainers() == null ? 0 : p.getSpec().getContainers().size();
        String status = PodFacts.isTerminating(p) ? "Terminating" : PodFacts.phase(p);
        String ip = p.getStatus() == null || p.getStatus().getPodIP() == null ? "<none>" : p.getStatus().getPodIP();
        cells.add(p.getMetadata().getName()).add(ready + "/" + total).add(status).add(0).add(age)
            .add(ip).add(PodFacts.isBound(p) ? p.getSpec().getNodeName() : "<none>");
      }
      ObjectNode obj = row.putObject("object");
      obj.put("kind", "PartialObjectMetadata");
      obj.put("apiVersion", "meta.k8s.io/v1");
      obj.set("metadata", JSON.valueToTree(o.getMetadata()));
    }
    return table.toString();
  }

  private static void column(ArrayNode cols, String name, int priority) {
    ObjectNode c = cols.addObject();
    c.put("name", name);
    c.put("type", "string");
    c.put("format", name.equals("Name") ? "name" : "");
    c.put("description", "");
    c.put("priority", priority);
  }

  /** kubectl's short human durations. */
  static String age(HasMetadata o, Instant now) {
    String created = o.getMetadata().getCreationTimestamp();
    if (created == null) {
      return "<unknown>";
    }
    long s = Math.max(0, Duration.between(Instant.parse(created), now).getSeconds());
    if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return m + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    }
    if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return h + "h" + (m % 60 == 0 ? "" : (m % 60) + "m");
    }
    if (h < 48) {
      return h + "h";
    }
    return (h / 24) + "d";
  }
}

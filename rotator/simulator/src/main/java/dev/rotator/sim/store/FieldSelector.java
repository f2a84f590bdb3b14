package dev.rotator.sim.store;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A field selector ({@code spec.nodeName=n1,status.phase!=Running}) over the fields a real API server
 * supports for the types served here. Unknown fields are refused, as the real server refuses them.
 */
public final class FieldSelector {

  /** One requirement: {@code field=value} or {@code field!=value}. */
  public record Requirement(String field, boolean equals, String value) {}

  private final List<Requirement> requirements;

  private FieldSelector(List<Requirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  public static final FieldSelector ALL = new FieldSelector(List.of());

  /**
   * Parses a selector for a resource type.
   *
   * @throws IllegalArgumentException naming the field when it is not supported for the type
   */
  public static FieldSelector parse(String expr, ResourceType type) {
    if (expr == null || expr.isBlank()) {
      return ALL;
    }
    List<Requirement> reqs = new ArrayList<>();
    for (String raw : expr.split(",")) {
      String r = raw.trim();
      int ne = r.indexOf("!=");
      Requirement req;
      if (ne > 0) {
        req = new Requirement(r.substring(0, ne).trim(), false, r.substring(ne + 2).trim());
      } else {
        int eq = r.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("invalid field selector requirement '" + r + "'");
        }
        int vs = r.startsWith("==", eq) ? eq + 2 : eq + 1;
        req = new Requirement(r.substring(0, eq).trim(), true, r.substring(vs).trim());
      }
      if (!supported(type, req.field())) {
        throw new IllegalArgumentException(
            "field label not supported: " + req.field() + " (for " + type.qualifiedName() + ")");
      }
      reqs.add(req);
    }
    return new FieldSelector(reqs);
  }

  public List<Requirement> requirements() {
    return requirements;
  }

  /** The value an equality requirement demands of {@code field}, if there is one. */
  public Optional<String> equalityValue(String field) {
    return requirements.stream().filter(r -> r.equals() && r.field().equals(field)).map(Requirement::value).findFirst();
  }

  public boolean matches(HasMetadata o) {
    for (Requirement r : requirements) {
      String v = value(o, r.field());
      if (r.equals() != r.value().equals(v)) {
        return false;
      }
    }
    return true;
  }

  private static boolean supported(ResourceType t, String field) {
    if (field.equals("metadata.name") || field.equals("metadata.namespace")) {
      return true;
    }
    if (t == ResourceTypes.PODS) {
      return List.of("spec.nodeName", "status.phase", "spec.restartPolicy", "spec.schedulerName").contains(field);
    }
    if (t == ResourceTypes.NODES) {
      return field.equals("spec.unschedulable");
    }
    if (t == ResourceTypes.EVENTS) {
      return field.startsWith("involvedObject.") || field.equals("reason") || field.equals("type");
    }
    return false;
  }

  private static String value(HasMetadata o, String field) {
    switch (field) {
      case "metadata.name":
        return o.getMetadata().getName();
      case "metadata.namespace":
        return nz(o.getMetadata().getNamespace());
      default:
        break;
    }
    if (o instanceof Pod p) {
      return switch (field) {
        case "spec.nodeName" -> nz(p.getSpec().getNodeName());
        case "status.phase" -> p.getStatus() == null ? "" : nz(p.getStatus().getPhase());
        case "spec.restartPolicy" -> nz(p.getSpec().getRestartPolicy());
        case "spec.schedulerName" -> nz(p.getSpec().getSchedulerName());
        default -> "";
      };
    }
    if (o instanceof Node n) {
      return String.valueOf(n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable()));
    }
    if (o instanceof Event e) {
      var io = e.getInvolvedObject();
      return switch (field) {
        case "reason" -> nz(e.getReason());
        case "type" -> nz(e.getType());
        case "involvedObject.kind" -> io == null ? "" : nz(io.getKind());
        case "involvedObject.name" -> io == null ? "" : nz(io.getName());
        case "involvedObject.namespace" -> io == null ? "" : nz(io.getNamespace());
        case "involvedObject.uid" -> io == null ? "" : nz(io.getUid());
        case "involvedObject.apiVersion" -> io == null ? "" : nz(io.getApiVersion());
        case "involvedObject.fieldPath" -> io == null ? "" : nz(io.getFieldPath());
        case "involvedObject.resourceVersion" -> io == null ? "" : nz(io.getResourceVersion());
        default -> "";
      };
    }
    return "";
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}

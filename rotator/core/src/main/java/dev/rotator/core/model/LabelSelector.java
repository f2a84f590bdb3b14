package dev.rotator.core.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Kubernetes label selector ({@code matchLabels} + {@code matchExpressions}), evaluated in memory.
 *
 * <p>An empty selector matches everything, as it does for a policy/v1 PodDisruptionBudget.
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

  /** One {@code matchExpressions} entry. Operator is In, NotIn, Exists or DoesNotExist. */
  public record Requirement(String key, String operator, List<String> values) {
    public Requirement {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(operator, "operator");
      values = values == null ? List.of() : List.copyOf(values);
    }

    boolean matches(Map<String, String> labels) {
      String v = labels.get(key);
      switch (operator) {
        case "In":
          return v != null && values.contains(v);
        case "NotIn":
          return v == null || !values.contains(v);
        case "Exists":
          return labels.containsKey(key);
        case "DoesNotExist":
          return !labels.containsKey(key);
        default:
          // An operator we do not understand must not widen a PDB's reach silently: match nothing.
          return false;
      }
    }
  }

  public LabelSelector {
    matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
    matchExpressions = matchExpressions == null ? List.of() : List.copyOf(matchExpressions);
  }

  public static LabelSelector of(Map<String, String> matchLabels) {
    return new LabelSelector(matchLabels, List.of());
  }

  public boolean matches(Map<String, String> labels) {
    for (var e : matchLabels.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    for (Requirement r : matchExpressions) {
      if (!r.matches(labels)) {
        return false;
      }
    }
    return true;
  }
}

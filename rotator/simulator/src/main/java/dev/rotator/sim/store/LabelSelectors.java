package dev.rotator.sim.store;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Label selectors as the API server reads them: the query-string form ({@code a=b,c!=d,e,!f,g in (x,y),h
 * notin (z)}) and the object form of PDBs and workloads.
 */
public final class LabelSelectors {
  private LabelSelectors() {}

  /** Matches everything. */
  public static final Predicate<Map<String, String>> ALL = labels -> true;

  /** Matches nothing (a PDB with no selector at all). */
  public static final Predicate<Map<String, String>> NONE = labels -> false;

  /**
   * Parses the query-string form.
   *
   * @throws IllegalArgumentException with a message naming the bad requirement
   */
  public static Predicate<Map<String, String>> parse(String expr) {
    if (expr == null || expr.isBlank()) {
      return ALL;
    }
    List<Predicate<Map<String, String>>> reqs = new ArrayList<>();
    for (String raw : splitTopLevel(expr)) {
      reqs.add(requirement(raw.trim()));
    }
    return labels -> reqs.stream().allMatch(r -> r.test(labels));
  }

  /**
   * The object form. {@code null} matches nothing; an empty selector matches everything (policy/v1 PDB
   * semantics).
   */
  public static Predicate<Map<String, String>> of(LabelSelector selector) {
    if (selector == null) {
      return NONE;
    }
    List<Predicate<Map<String, String>>> reqs = new ArrayList<>();
    if (selector.getMatchLabels() != null) {
      selector.getMatchLabels().forEach((k, v) -> reqs.add(l -> v.equals(l.get(k))));
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        Set<String> values = r.getValues() == null ? Set.of() : Set.copyOf(r.getValues());
        String k = r.getKey();
        reqs.add(
            switch (r.getOperator()) {
              case "In" -> l -> l.containsKey(k) && values.contains(l.get(k));
              case "NotIn" -> l -> !l.containsKey(k) || !values.contains(l.get(k));
              case "Exists" -> l -> l.containsKey(k);
              case "DoesNotExist" -> l -> !l.containsKey(k);
              default -> throw new IllegalArgumentException("unknown selector operator " + r.getOperator());
            });
      }
    }
    return labels -> {
      Map<String, String> l = labels == null ? Map.of() : labels;
      return reqs.stream().allMatch(r -> r.test(l));
    };
  }

  private static Predicate<Map<String, String>> requirement(String r) {
    if (r.isEmpty()) {
      throw new IllegalArgumentException("empty label selector requirement");
    }
    String[] words = r.split("\\s+", 3);
    if (words.length == 3 && (words[1].equals("in") || words[1].equals("notin"))) {
      String set = words[2].trim();
      if (!set.startsWith("(") || !set.endsWith(")")) {
        throw new IllegalArgumentException("label selector '" + r + "': expected a parenthesised value set");
      }
      Set<String> values = new java.util.HashSet<>();
      for (String v : set.substring(1, set.length() - 1).split(",")) {
        values.add(v.trim());
      }
      String k = words[0];
      return words[1].equals("in")
          ? l -> l.containsKey(k) && values.contains(l.get(k))
          : l -> !l.containsKey(k) || !values.contains(l.get(k));
    }
    int ne = r.indexOf("!=");
    if (ne > 0) {
      String k = r.substring(0, ne).trim();
      String v = r.substring(ne + 2).trim();
      return l -> !v.equals(l.get(k));
    }
    int eq = r.indexOf('=');
    if (eq > 0) {
      String k = r.substring(0, eq).trim();
      String v = r.substring(r.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
      return l -> v.equals(l.get(k));
    }
    if (r.startsWith("!")) {
      String k = r.substring(1).trim();
      return l -> !l.containsKey(k);
    }
    if (r.contains(" ") || r.contains("(")) {
      throw new IllegalArgumentException("cannot parse label selector requirement '" + r + "'");
    }
    return l -> l.containsKey(r);
  }

  /** Splits on commas that are not inside a parenthesised value set. */
  static List<String> splitTopLevel(String expr) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < expr.length(); i++) {
      char c = expr.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(expr.substring(start, i));
        start = i + 1;
      }
    }
    out.add(expr.substring(start));
    return out;
  }
}

package dev.rotator.sim.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.sim.store.ResourceType;
import dev.rotator.sim.store.ResourceTypes;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code /version}, {@code /api}, {@code /apis} and per group/version resource lists, for kubectl and clients. */
final class Discovery {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  private Discovery() {}

  static String version(String gitVersion) {
    ObjectNode v = JSON.createObjectNode();
    String[] parts = gitVersion.replaceFirst("^v", "").split("\\.");
    v.put("major", parts[0]);
    v.put("minor", parts.length > 1 ? parts[1] : "0");
    v.put("gitVersion", gitVersion);
    v.put("gitCommit", "0000000000000000000000000000000000000000");
    v.put("gitTreeState", "clean");
    v.put("buildDate", "2026-01-01T00:00:00Z");
    v.put("goVersion", "go1.23.0");
    v.put("compiler", "gc");
    v.put("platform", "linux/amd64");
    return v.toString();
  }

  static String coreVersions(String serverAddress) {
    ObjectNode v = JSON.createObjectNode();
    v.put("kind", "APIVersions");
    v.putArray("versions").add("v1");
    ObjectNode a = v.putArray("serverAddressByClientCIDRs").addObject();
    a.put("clientCIDR", "0.0.0.0/0");
    a.put("serverAddress", serverAddress);
    return v.toString();
  }

  static String groups() {
    ObjectNode g = JSON.createObjectNode();
    g.put("kind", "APIGroupList");
    g.put("apiVersion", "v1");
    ArrayNode arr = g.putArray("groups");
    ResourceTypes.ALL.stream()
        .filter(t -> !t.group().isEmpty())
        .map(ResourceType::apiVersion)
        .distinct()
        .forEach(
            gv -> {
              String[] p = gv.split("/");
              ObjectNode o = arr.addObject();
              o.put("name", p[0]);
              ObjectNode ver = o.putArray("versions").addObject();
              ver.put("groupVersion", gv);
              ver.put("version", p[1]);
              ObjectNode pref = o.putObject("preferredVersion");
              pref.put("groupVersion", gv);
              pref.put("version", p[1]);
            });
    return g.toString();
  }

  /** The APIResourceList of {@code groupVersion} ({@code v1}, {@code apps/v1}), if served. */
  static Optional<String> resources(String groupVersion) {
    List<ResourceType> types = ResourceTypes.ALL.stream().filter(t -> t.apiVersion().equals(groupVersion)).toList();
    if (types.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode l = JSON.createObjectNode();
    l.put("kind", "APIResourceList");
    l.put("apiVersion", "v1");
    l.put("groupVersion", groupVersion);
    ArrayNode arr = l.putArray("resources");
    for (ResourceType t : types) {
      ObjectNode r = arr.addObject();
      r.put("name", t.plural());
      r.put("singularName", t.kind().toLowerCase(Locale.ROOT));
      r.put("namespaced", t.namespaced());
      r.put("kind", t.kind());
      ArrayNode verbs = r.putArray("verbs");
      VERBS.forEach(verbs::add);
      if (!t.shortNames().isEmpty()) {
        ArrayNode sn = r.putArray("shortNames");
        t.shortNames().forEach(sn::add);
      }
      if (t.statusSubresource()) {
        ObjectNode s = arr.addObject();
        s.put("name", t.plural() + "/status");
        s.put("singularName", "");
        s.put("namespaced", t.namespaced());
        s.put("kind", t.kind());
        s.putArray("verbs").add("get").add("patch").add("update");
      }
      if (t == ResourceTypes.PODS) {
        ObjectNode e = arr.addObject();
        e.put("name", "pods/eviction");
        e.put("singularName", "");
        e.put("namespaced", true);
        e.put("group", "policy");
        e.put("version", "v1");
        e.put("kind", "Eviction");
        e.putArray("verbs").add("create");
      }
    }
    return Optional.of(l.toString());
  }
}

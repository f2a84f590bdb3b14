package dev.rotator.sim.api;

import dev.rotator.sim.store.ResourceType;
import dev.rotator.sim.store.ResourceTypes;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request, parsed into what the API server routes on: the resource type, namespace, name and
 * subresource, the query parameters, and the Kubernetes verb ({@code get, list, watch, create, update,
 * patch, delete, deletecollection}).
 */
final class ApiRequest {
  final String method;
  final String path;
  final Map<String, String> query;
  final String body;
  final String contentType;
  final String client;
  final boolean websocket;
  /** The client asked for a {@code meta.k8s.io/v1 Table} (kubectl get). */
  final boolean table;

  ResourceType type;
  String namespace;
  String name;
  String subresource;
  /** For non-resource paths: the path itself (discovery, /version). */
  boolean resourcePath;

  private ApiRequest(RecordedRequest r) {
    this.method = r.getMethod().toUpperCase(Locale.ROOT);
    String full = r.getPath();
    int q = full.indexOf('?');
    this.path = q < 0 ? full : full.substring(0, q);
    this.query = parseQuery(q < 0 ? "" : full.substring(q + 1));
    this.body = r.getBody() == null || r.getBody().size() == 0 ? "" : r.getUtf8Body();
    String ct = r.getHeader("Content-Type");
    this.contentType = ct == null ? "" : ct.toLowerCase(Locale.ROOT);
    String ua = r.getHeader("User-Agent");
    this.client = ua == null || ua.isBlank() ? "unknown" : ua.trim();
    String upgrade = r.getHeader("Upgrade");
    this.websocket = upgrade != null && upgrade.equalsIgnoreCase("websocket");
    String accept = r.getHeader("Accept");
    this.table = accept != null && accept.contains("as=Table");
  }

  static ApiRequest parse(RecordedRequest r) {
    ApiRequest req = new ApiRequest(r);
    req.route();
    return req;
  }

  /** Resolves the resource path; leaves {@code resourcePath} false for anything else. */
  private void route() {
    List<String> seg = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    String group;
    String version;
    int i;
    if (seg.size() >= 3 && seg.get(0).equals("api")) {
      group = "";
      version = seg.get(1);
      i = 2;
    } else if (seg.size() >= 4 && seg.get(0).equals("apis")) {
      group = seg.get(1);
      version = seg.get(2);
      i = 3;
    } else {
      return;
    }
    List<String> rest = seg.subList(i, seg.size());
    // namespaces/{ns}/{plural}/... is a namespaced path; namespaces[/{name}[/{sub}]] is the namespace itself
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")
        && ResourceTypes.find(group, version, rest.get(2)).map(ResourceType::namespaced).orElse(false)) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    if (rest.isEmpty() || rest.size() > 3) {
      return;
    }
    type = ResourceTypes.find(group, version, rest.get(0)).orElse(null);
    if (type == null) {
      return;
    }
    name = rest.size() >= 2 ? rest.get(1) : null;
    subresource = rest.size() == 3 ? rest.get(2) : null;
    resourcePath = true;
  }

  String param(String key) {
    return query.get(key);
  }

  boolean flag(String key) {
    String v = query.get(key);
    return v != null && (v.equals("true") || v.equals("1"));
  }

  boolean dryRun() {
    return query.containsKey("dryRun");
  }

  String verb() {
    if (!resourcePath) {
      return method.toLowerCase(Locale.ROOT);
    }
    return switch (method) {
      case "GET" -> name != null ? "get" : flag("watch") ? "watch" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name != null ? "delete" : "deletecollection";
      default -> method.toLowerCase(Locale.ROOT);
    };
  }

  /** {@code pods}, {@code pods/eviction}, {@code poddisruptionbudgets.policy}; the path for non-resources. */
  String resourceLabel() {
    if (!resourcePath) {
      return path;
    }
    return type.qualifiedName() + (subresource == null ? "" : "/" + subresource);
  }

  private static Map<String, String> parseQuery(String q) {
    Map<String, String> out = new HashMap<>();
    if (q.isEmpty()) {
      return out;
    }
    for (String part : q.split("&")) {
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      String v = eq < 0 ? "" : part.substring(eq + 1);
      out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }
}

package dev.rotator.sim.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotator.sim.cluster.PdbTracker;
import dev.rotator.sim.cluster.PodFacts;
import dev.rotator.sim.store.Cause;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.Copies;
import dev.rotator.sim.store.FieldSelector;
import dev.rotator.sim.store.LabelSelectors;
import dev.rotator.sim.store.ResourceType;
import dev.rotator.sim.store.ResourceTypes;
import dev.rotator.sim.store.StoreException;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The simulated API server's request handling: discovery, CRUD with label and field selectors, optimistic
 * concurrency (409 on a stale resourceVersion), patches, graceful pod deletion, finalizers, watches and the
 * eviction subresource. Every request is counted; a pod DELETE is also reported to the recorder.
 */
final class ApiDispatcher extends Dispatcher {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final String APPLICATION_JSON = "application/json";

  private final ClusterStore store;
  private final ApiStats stats;
  private final ApiObserver observer;
  private final WatchHub watches;
  private final EvictionHandler evictions;
  private final String serverVersion;
  private final ApiFaults faults;
  private volatile String serverAddress = "127.0.0.1";
  private volatile ControlEndpoints control;
  private int generated;

  ApiDispatcher(
      ClusterStore store,
      ApiStats stats,
      ApiObserver observer,
      WatchHub watches,
      PdbTracker pdbs,
      String serverVersion,
      ApiFaults faults) {
    this.store = store;
    this.faults = faults;
    this.stats = stats;
    this.observer = observer;
    this.watches = watches;
    this.evictions = new EvictionHandler(store, observer, pdbs);
    this.serverVersion = serverVersion;
  }

  void control(ControlEndpoints endpoints) {
    this.control = endpoints;
  }

  void serverAddress(String hostPort) {
    this.serverAddress = hostPort;
  }

  @Override
  public MockResponse dispatch(RecordedRequest raw) {
    ApiRequest req;
    try {
      req = ApiRequest.parse(raw);
    } catch (RuntimeException e) {
      return json(400, ApiException.badRequest("malformed request: " + e.getMessage()).toJson());
    }
    ControlEndpoints control = this.control;
    if (control != null && req.path.startsWith(ControlEndpoints.PREFIX)) {
      // The simulator's own endpoints (clock, report, fake cloud): not Kubernetes API requests, not counted.
      ControlEndpoints.Answer a = control.answer(req.method, req.path, req.query, req.body);
      return json(a.status(), a.json());
    }
    stats.count(req.verb(), req.resourceLabel(), req.client);
    // An injected error replaces the request: nothing is carried out, as when an overloaded server sheds it.
    MockResponse injected = faults.errorFor(req);
    return faults.delay(req, injected != null ? injected : answer(req));
  }

  private MockResponse answer(ApiRequest req) {
    try {
      return route(req);
    } catch (ApiException e) {
      return json(e.code, e.toJson());
    } catch (StoreException e) {
      return json(
          e.reason().code,
          ApiException.status(
              "Failure", e.reason().code, e.reason().status, e.getMessage(), e.resource().plural(), e.name(),
              List.of()));
    } catch (IllegalArgumentException e) {
      return json(400, ApiException.badRequest(e.getMessage()).toJson());
    } catch (RuntimeException e) {
      // A bug in the simulator must be loud: the client sees a 500 with the cause.
      return json(500, new ApiException(500, "InternalError", "simulator error: " + e).toJson());
    }
  }

  private MockResponse route(ApiRequest req) {
    if (!req.resourcePath) {
      return nonResource(req);
    }
    if (req.subresource != null && req.name == null) {
      throw ApiException.notFound(req.type.plural(), "");
    }
    if ("eviction".equals(req.subresource)) {
      if (req.type != ResourceTypes.PODS || !req.method.equals("POST")) {
        throw new ApiException(405, "MethodNotAllowed", "the eviction subresource only accepts POST on pods");
      }
      return json(201, evictions.evict(req));
    }
    if (req.subresource != null && !(req.subresource.equals("status") && req.type.statusSubresource())) {
      throw ApiException.notFound(req.type.plural() + "/" + req.subresource, req.name);
    }
    if (req.type.namespaced() && req.name != null && req.namespace == null) {
      throw ApiException.notFound(req.type.plural(), req.name);
    }
    return switch (req.method) {
      case "GET" -> req.name != null ? get(req) : req.flag("watch") ? watch(req) : list(req);
      case "POST" -> {
        if (req.name != null) {
          throw new ApiException(405, "MethodNotAllowed", "POST to a named resource is not allowed");
        }
        yield create(req);
      }
      case "PUT" -> update(req);
      case "PATCH" -> patch(req);
      case "DELETE" -> req.name != null ? delete(req) : deleteCollection(req);
      default -> throw new ApiException(405, "MethodNotAllowed", "method " + req.method + " not allowed");
    };
  }

  private MockResponse nonResource(ApiRequest req) {
    String p = req.path.endsWith("/") && req.path.length() > 1 ? req.path.substring(0, req.path.length() - 1) : req.path;
    switch (p) {
      case "/version":
        return json(200, Discovery.version(serverVersion));
      case "/api":
        return json(200, Discovery.coreVersions(serverAddress));
      case "/apis":
        return json(200, Discovery.groups());
      case "/healthz":
      case "/readyz":
      case "/livez":
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody("ok");
      default:
        break;
    }
    String gv = p.startsWith("/api/") ? p.substring(5) : p.startsWith("/apis/") ? p.substring(6) : null;
    Optional<String> resources = gv == null ? Optional.empty() : Discovery.resources(gv);
    if (resources.isPresent()) {
      return json(200, resources.get());
    }
    throw new ApiException(404, "NotFound", "the server could not find the requested resource");
  }

  // ---------------------------------------------------------------- reads

  private MockResponse get(ApiRequest req) {
    HasMetadata o = store.get(req.type, req.namespace, req.name);
    if (o == null) {
      throw ApiException.notFound(req.type.qualifiedName(), req.name);
    }
    if (req.table && Tables.supported(req.type)) {
      return json(200, Tables.render(req.type, List.of(o), store.resourceVersion(), store.clock().now()));
    }
    return json(200, JSON.asJson(o));
  }

  private MockResponse list(ApiRequest req) {
    Predicate<HasMetadata> filter = filter(req);
    FieldSelector fields = FieldSelector.parse(req.param("fieldSelector"), req.type);
    Object[] snapshot =
        store.read(
            () -> {
              List<? extends HasMetadata> candidates;
              Optional<String> node = fields.equalityValue("spec.nodeName");
              if (req.type == ResourceTypes.PODS && node.isPresent()) {
                candidates = store.podsOnNode(node.get());
              } else {
                candidates = store.list(req.type, req.namespace);
              }
              List<HasMetadata> items = new ArrayList<>();
              for (HasMetadata o : candidates) {
                if ((req.namespace == null || !req.type.namespaced()
                        || req.namespace.equals(o.getMetadata().getNamespace()))
                    && filter.test(o)) {
                  items.add(o);
                }
              }
              return new Object[] {items, store.resourceVersion()};
            });
    @SuppressWarnings("unchecked")
    List<HasMetadata> items = (List<HasMetadata>) snapshot[0];
    if (req.table && Tables.supported(req.type)) {
      return json(200, Tables.render(req.type, items, (Long) snapshot[1], store.clock().now()));
    }
    StringBuilder b = new StringBuilder(256 + items.size() * 1024);
    b.append("{\"apiVersion\":\"").append(req.type.apiVersion()).append("\",\"kind\":\"")
        .append(req.type.listKind()).append("\",\"metadata\":{\"resourceVersion\":\"")
        .append(snapshot[1]).append("\"},\"items\":[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(JSON.asJson(items.get(i)));
    }
    b.append("]}");
    return json(200, b.toString());
  }

  private MockResponse watch(ApiRequest req) {
    WatchSession s = watches.open(req.type, req.namespace, filter(req), req.param("resourceVersion"));
    if (req.websocket) {
      return new MockResponse().withWebSocketUpgrade(s);
    }
    // A plain-HTTP watch (kubectl get -w): the server here cannot stream, so it answers with what it has
    // and ends the watch; clients start a new one from the last resourceVersion.
    String frames = s.drain();
    s.close();
    return json(200, frames);
  }

  private static Predicate<HasMetadata> filter(ApiRequest req) {
    Predicate<Map<String, String>> labels = LabelSelectors.parse(req.param("labelSelector"));
    FieldSelector fields = FieldSelector.parse(req.param("fieldSelector"), req.type);
    return o -> labels.test(o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels())
        && fields.matches(o);
  }

  // ---------------------------------------------------------------- writes

  private MockResponse create(ApiRequest req) {
    HasMetadata obj = readBody(req);
    ObjectMeta m = meta(obj);
    if (req.type.namespaced()) {
      if (req.namespace == null) {
        throw ApiException.badRequest("the namespace of the object must be given in the path");
      }
      if (m.getNamespace() == null || m.getNamespace().isEmpty()) {
        m.setNamespace(req.namespace);
      } else if (!m.getNamespace().equals(req.namespace)) {
        throw ApiException.badRequest(
            "the namespace of the provided object does not match the namespace sent on the request");
      }
    }
    if ((m.getName() == null || m.getName().isEmpty()) && m.getGenerateName() != null) {
      m.setName(m.getGenerateName() + generatedSuffix());
    }
    if (m.getName() == null || m.getName().isEmpty()) {
      throw new ApiException(422, "Invalid", "metadata.name: Required value: name or generateName is required");
    }
    m.setResourceVersion(null);
    m.setDeletionTimestamp(null);
    if (obj instanceof Pod p && p.getStatus() == null) {
      p.setStatus(new PodStatus());
      p.getStatus().setPhase("Pending");
    }
    return store.write(
        Cause.API,
        () -> {
          if (req.type.namespaced() && store.get(ResourceTypes.NAMESPACES, null, req.namespace) == null) {
            throw ApiException.notFound("namespaces", req.namespace);
          }
          if (req.dryRun()) {
            return json(201, JSON.asJson(obj));
          }
          return json(201, JSON.asJson(store.create(req.type, obj)));
        });
  }

  private MockResponse update(ApiRequest req) {
    HasMetadata obj = readBody(req);
    ObjectMeta m = meta(obj);
    if (m.getName() != null && !m.getName().equals(req.name)) {
      throw ApiException.badRequest("the name of the object (" + m.getName() + ") does not match the name on the URL (" + req.name + ")");
    }
    m.setName(req.name);
    if (req.type.namespaced()) {
      m.setNamespace(req.namespace);
    }
    return store.write(
        Cause.API,
        () -> {
          HasMetadata existing = store.get(req.type, req.namespace, req.name);
          if (existing == null) {
            throw ApiException.notFound(req.type.qualifiedName(), req.name);
          }
          String rv = m.getResourceVersion();
          if (rv != null && !rv.isEmpty() && !rv.equals(existing.getMetadata().getResourceVersion())) {
            throw conflict(req);
          }
          return json(200, JSON.asJson(store(req, existing, obj)));
        });
  }

  private MockResponse patch(ApiRequest req) {
    JsonNode patch;
    try {
      patch = JSON.unmarshal(req.body, JsonNode.class);
    } catch (RuntimeException e) {
      throw ApiException.badRequest("cannot parse the patch: " + e.getMessage());
    }
    if (patch == null) {
      throw ApiException.badRequest("empty patch");
    }
    return store.write(
        Cause.API,
        () -> {
          HasMetadata existing = store.get(req.type, req.namespace, req.name);
          if (existing == null) {
            throw ApiException.notFound(req.type.qualifiedName(), req.name);
          }
          JsonNode target = JSON.convertValue(existing, JsonNode.class);
          JsonNode patched = Patches.apply(req.contentType, target, patch);
          HasMetadata obj;
          try {
            obj = JSON.convertValue(patched, req.type.type());
          } catch (RuntimeException e) {
            throw new ApiException(422, "Invalid", "the patched object is invalid: " + e.getMessage());
          }
          ObjectMeta m = meta(obj);
          String rv = m.getResourceVersion();
          if (rv != null && !rv.equals(existing.getMetadata().getResourceVersion())) {
            throw conflict(req);
          }
          m.setName(req.name);
          m.setNamespace(existing.getMetadata().getNamespace());
          return json(200, JSON.asJson(store(req, existing, obj)));
        });
  }

  /**
   * Writes an update: server-owned metadata kept, the status (or, for {@code /status}, everything else)
   * kept from the stored object, and an object whose last finalizer went while it was being deleted
   * removed.
   */
  private HasMetadata store(ApiRequest req, HasMetadata existing, HasMetadata obj) {
    HasMetadata result;
    if (req.type.statusSubresource()) {
      if ("status".equals(req.subresource)) {
        result = Copies.copy(existing);
        setStatus(result, status(obj));
      } else {
        result = obj;
        setStatus(result, status(existing));
      }
    } else {
      result = obj;
    }
    meta(result).setDeletionTimestamp(existing.getMetadata().getDeletionTimestamp());
    meta(result).setDeletionGracePeriodSeconds(existing.getMetadata().getDeletionGracePeriodSeconds());
    if (req.dryRun()) {
      return result;
    }
    HasMetadata stored = store.replace(req.type, result, false);
    if (stored.getMetadata().getDeletionTimestamp() != null && finalizers(stored).isEmpty() && req.type != ResourceTypes.PODS) {
      return store.remove(req.type, req.namespace, req.name);
    }
    return stored;
  }

  private MockResponse delete(ApiRequest req) {
    DeleteOptions opts = deleteOptions(req);
    if (req.type == ResourceTypes.PODS) {
      stats.countPodDelete();
      observer.podDeleteRequested(req.namespace, req.name, req.client);
    }
    return store.write(
        Cause.API_DELETE,
        () -> {
          HasMetadata existing = store.get(req.type, req.namespace, req.name);
          if (existing == null) {
            throw ApiException.notFound(req.type.qualifiedName(), req.name);
          }
          checkPreconditions(req, existing, opts);
          boolean dryRun = req.dryRun() || (opts.getDryRun() != null && !opts.getDryRun().isEmpty());
          if (!dryRun) {
            observer.deleting(existing, opts.getGracePeriodSeconds(), req.client);
          }
          return json(200, JSON.asJson(dryRun ? existing : deleteOne(req.type, existing, opts)));
        });
  }

  private MockResponse deleteCollection(ApiRequest req) {
    DeleteOptions opts = deleteOptions(req);
    Predicate<HasMetadata> filter = filter(req);
    return store.write(
        Cause.API_DELETE,
        () -> {
          List<HasMetadata> deleted = new ArrayList<>();
          for (HasMetadata o : store.list(req.type, req.namespace)) {
            if (!filter.test(o)) {
              continue;
            }
            if (req.type == ResourceTypes.PODS) {
              stats.countPodDelete();
              observer.podDeleteRequested(o.getMetadata().getNamespace(), o.getMetadata().getName(), req.client);
            }
            if (!req.dryRun()) {
              observer.deleting(o, opts.getGracePeriodSeconds(), req.client);
            }
            deleted.add(req.dryRun() ? o : deleteOne(req.type, o, opts));
          }
          StringBuilder b = new StringBuilder();
          b.append("{\"apiVersion\":\"").append(req.type.apiVersion()).append("\",\"kind\":\"")
              .append(req.type.listKind()).append("\",\"metadata\":{},\"items\":[");
          for (int i = 0; i < deleted.size(); i++) {
            b.append(i > 0 ? "," : "").append(JSON.asJson(deleted.get(i)));
          }
          return json(200, b.append("]}").toString());
        });
  }

  /** Pods terminate gracefully; objects with finalizers are marked; anything else goes at once. */
  private HasMetadata deleteOne(ResourceType type, HasMetadata existing, DeleteOptions opts) {
    String ns = existing.getMetadata().getNamespace();
    String name = existing.getMetadata().getName();
    Instant now = store.clock().now();
    if (existing instanceof Pod pod) {
      long grace =
          opts.getGracePeriodSeconds() != null ? opts.getGracePeriodSeconds()
              : pod.getSpec().getTerminationGracePeriodSeconds() != null ? pod.getSpec().getTerminationGracePeriodSeconds() : 30;
      if (grace <= 0 || !PodFacts.isBound(pod)) {
        return store.remove(type, ns, name);
      }
      if (PodFacts.isTerminating(pod)) {
        return pod;
      }
      return store.<Pod>modify(
          type, ns, name,
          p -> {
            p.getMetadata().setDeletionTimestamp(ClusterStore.timestamp(now.plusSeconds(grace)));
            p.getMetadata().setDeletionGracePeriodSeconds(grace);
          });
    }
    if (!finalizers(existing).isEmpty()) {
      if (existing.getMetadata().getDeletionTimestamp() != null) {
        return existing;
      }
      return store.modify(type, ns, name, o -> o.getMetadata().setDeletionTimestamp(ClusterStore.timestamp(now)));
    }
    return store.remove(type, ns, name);
  }

  private static void checkPreconditions(ApiRequest req, HasMetadata existing, DeleteOptions opts) {
    if (opts.getPreconditions() == null) {
      return;
    }
    String uid = opts.getPreconditions().getUid();
    String rv = opts.getPreconditions().getResourceVersion();
    if (uid != null && !uid.equals(existing.getMetadata().getUid())) {
      throw new ApiException(
          409, "Conflict", "Precondition failed: UID in precondition: " + uid + ", UID in object meta: "
              + existing.getMetadata().getUid());
    }
    if (rv != null && !rv.equals(existing.getMetadata().getResourceVersion())) {
      throw new ApiException(
          409, "Conflict", "Precondition failed: ResourceVersion in precondition: " + rv
              + ", ResourceVersion in object meta: " + existing.getMetadata().getResourceVersion());
    }
  }

  // ---------------------------------------------------------------- helpers

  private DeleteOptions deleteOptions(ApiRequest req) {
    DeleteOptions opts = new DeleteOptions();
    if (!req.body.isBlank()) {
      try {
        opts = JSON.unmarshal(req.body, DeleteOptions.class);
      } catch (RuntimeException e) {
        throw ApiException.badRequest("cannot parse DeleteOptions: " + e.getMessage());
      }
    }
    String g = req.param("gracePeriodSeconds");
    if (g != null) {
      opts.setGracePeriodSeconds(Long.parseLong(g));
    }
    return opts;
  }

  private HasMetadata readBody(ApiRequest req) {
    if (req.body.isBlank()) {
      throw ApiException.badRequest("the request body is empty");
    }
    try {
      HasMetadata o = JSON.unmarshal(req.body, req.type.type());
      if (o == null) {
        throw ApiException.badRequest("the request body is empty");
      }
      return o;
    } catch (ApiException e) {
      throw e;
    } catch (RuntimeException e) {
      throw ApiException.badRequest("cannot decode the body as " + req.type.kind() + ": " + e.getMessage());
    }
  }

  private static ObjectMeta meta(HasMetadata o) {
    if (o.getMetadata() == null) {
      o.setMetadata(new ObjectMeta());
    }
    return o.getMetadata();
  }

  private static List<String> finalizers(HasMetadata o) {
    return o.getMetadata().getFinalizers() == null ? List.of() : o.getMetadata().getFinalizers();
  }

  private static ApiException conflict(ApiRequest req) {
    return new ApiException(
        409,
        "Conflict",
        "Operation cannot be fulfilled on " + req.type.qualifiedName() + " \"" + req.name
            + "\": the object has been modified; please apply your changes to the latest version and try again",
        req.type.plural(),
        req.name,
        List.of());
  }

  /** Every type with a status subresource has getStatus/setStatus; reflection keeps this generic. */
  private static Object status(HasMetadata o) {
    try {
      Method m = o.getClass().getMethod("getStatus");
      return m.invoke(o);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(o.getClass() + " has no status", e);
    }
  }

  private static void setStatus(HasMetadata o, Object status) {
    try {
      Method get = o.getClass().getMethod("getStatus");
      Method m = o.getClass().getMethod("setStatus", get.getReturnType());
      m.invoke(o, status);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(o.getClass() + " has no status", e);
    }
  }

  private synchronized String generatedSuffix() {
    generated++;
    return Integer.toString(generated * 7919 + 10007, 36);
  }

  static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", APPLICATION_JSON).setBody(body);
  }
}

package dev.rotator.sim.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotator.sim.cluster.Disruption;
import dev.rotator.sim.cluster.PdbTracker;
import dev.rotator.sim.cluster.PodFacts;
import dev.rotator.sim.store.Cause;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceTypes;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Instant;
import java.util.List;

/**
 * {@code POST /api/v1/namespaces/NS/pods/NAME/eviction}, with the API server's rules:
 *
 * <ol>
 *   <li>missing pod → 404; already terminating, or Pending/Succeeded/Failed → deleted without a PDB check;
 *   <li>more than one PDB selects the pod → 500 (the real server refuses too);
 *   <li>the PDB's numbers are computed live; a Ready pod needs disruptionsAllowed &gt; 0, a not-Ready pod
 *       needs currentHealthy ≥ desiredHealthy (IfHealthyBudget; AlwaysAllow lets it go) → otherwise 429
 *       with a {@code DisruptionBudget} cause naming the PDB;
 *   <li>accepted → deletionTimestamp set (grace from the eviction's deleteOptions or the pod), 201.
 * </ol>
 *
 * Everything happens under the store's lock, so two evictions can never both spend the last disruption.
 */
final class EvictionHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ClusterStore store;
  private final ApiObserver observer;
  private final PdbTracker pdbs;

  EvictionHandler(ClusterStore store, ApiObserver observer, PdbTracker pdbs) {
    this.store = store;
    this.observer = observer;
    this.pdbs = pdbs;
  }

  /** Returns the 201 body; throws {@link ApiException} for every refusal. */
  String evict(ApiRequest req) {
    JsonNode body = parse(req.body);
    String bodyName = body.path("metadata").path("name").asText("");
    if (!bodyName.isEmpty() && !bodyName.equals(req.name)) {
      throw ApiException.badRequest("name in URL does not match name in Eviction object");
    }
    JsonNode opts = body.path("deleteOptions");
    Long grace = opts.hasNonNull("gracePeriodSeconds") ? opts.get("gracePeriodSeconds").asLong() : null;
    boolean dryRun = req.dryRun() || (opts.has("dryRun") && opts.get("dryRun").size() > 0);
    return store.write(Cause.EVICTION, () -> decide(req, grace, dryRun));
  }

  private String decide(ApiRequest req, Long grace, boolean dryRun) {
    String ns = req.namespace;
    Pod pod = store.get(ResourceTypes.PODS, ns, req.name);
    if (pod == null) {
      throw ApiException.notFound("pods", req.name);
    }
    if (PodFacts.isTerminating(pod) || canIgnorePdb(pod)) {
      if (!dryRun && !PodFacts.isTerminating(pod)) {
        accept(pod, grace, req.client);
      }
      return success();
    }
    List<PodDisruptionBudget> covering = pdbs.pdbsFor(pod);
    if (covering.size() > 1) {
      throw new ApiException(
          500,
          "InternalError",
          "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    }
    if (!covering.isEmpty()) {
      PodDisruptionBudget pdb = covering.get(0);
      Disruption.Health h = pdbs.health(pdb);
      boolean allowed;
      if (PodFacts.isReady(pod)) {
        allowed = h.disruptionsAllowed() > 0;
      } else {
        allowed =
            "AlwaysAllow".equals(pdb.getSpec().getUnhealthyPodEvictionPolicy())
                || h.currentHealthy() >= h.desiredHealthy();
      }
      if (!allowed) {
        String pdbName = pdb.getMetadata().getName();
        String cause =
            "The disruption budget " + pdbName + " needs " + h.desiredHealthy() + " healthy pods and has "
                + h.currentHealthy() + " currently";
        observer.evictionRefused(pod, ClusterStore.key(pdb), cause, req.client);
        throw new ApiException(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
            null,
            null,
            List.of(new ApiException.StatusCause("DisruptionBudget", cause, null)));
      }
    }
    if (!dryRun) {
      accept(pod, grace, req.client);
    }
    return success();
  }

  /** Pods that run nothing a budget protects: not started yet, or finished. */
  private static boolean canIgnorePdb(Pod p) {
    String phase = PodFacts.phase(p);
    return phase.equals("Pending") || phase.equals("Succeeded") || phase.equals("Failed");
  }

  private void accept(Pod pod, Long grace, String client) {
    observer.evictionAccepted(pod, client);
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    long g = grace != null ? grace
        : pod.getSpec().getTerminationGracePeriodSeconds() != null ? pod.getSpec().getTerminationGracePeriodSeconds() : 30;
    if (g <= 0 || !PodFacts.isBound(pod)) {
      store.remove(ResourceTypes.PODS, ns, name);
      return;
    }
    Instant at = store.clock().now().plusSeconds(g);
    store.<Pod>modify(
        ResourceTypes.PODS,
        ns,
        name,
        p -> {
          p.getMetadata().setDeletionTimestamp(ClusterStore.timestamp(at));
          p.getMetadata().setDeletionGracePeriodSeconds(g);
        });
  }

  private static String success() {
    return ApiException.status("Success", 201, null, null, null, null, List.of());
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(body);
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("cannot parse the Eviction body: " + e.getMessage());
    }
  }
}

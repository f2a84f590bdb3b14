package dev.rotator.kubernetes;

import static dev.rotator.kubernetes.K8s.pod;
import static dev.rotator.kubernetes.K8s.readyNode;
import static dev.rotator.kubernetes.K8s.replicaPod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.EvictionResult.Outcome;
import dev.rotator.core.port.PodWatch;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("KubernetesCluster against fabric8's mock API server")
class KubernetesClusterTest {
  private MockApi api;
  private KubernetesCluster cluster;

  @BeforeEach
  void start() {
    api = new MockApi();
    // A test clock: the adapter's retry backoff passes instantly.
    cluster = new KubernetesCluster(api.client, new TestClock(java.time.Instant.parse("2026-01-01T00:00:00Z")));
  }

  @AfterEach
  void stop() {
    try {
      // Whatever a test did, the adapter never deleted a pod: evictions are the only way pods go.
      assertEquals(List.of(), api.dispatcher.podDeletes(), "pod DELETE requests sent");
    } finally {
      cluster.close();
      api.close();
    }
  }

  private void create(io.fabric8.kubernetes.api.model.HasMetadata... objects) {
    for (var o : objects) {
      api.client.resource(o).create();
    }
  }

  private Set<String> names(List<PodInfo> pods) {
    return pods.stream().map(p -> p.ref().toString()).collect(Collectors.toSet());
  }

  @Nested
  @DisplayName("reading")
  class Reading {

    @Test
    @DisplayName("maps a Node's Ready condition, cordon flag, taints, kubelet version, provider ID and age")
    void mapsNodes() {
      create(
          K8s.node("ready-1").build(),
          K8s.node("cordoned-2")
              .editSpec()
              .withUnschedulable(true)
              .addToTaints(K8s.taint("rotator.dev/outdated", "", "PreferNoSchedule"))
              .endSpec()
              .editStatus()
              .editFirstCondition()
              .withStatus("False")
              .endCondition()
              .editNodeInfo()
              .withKubeletVersion("v1.29.9-eks-1234")
              .endNodeInfo()
              .endStatus()
              .build());

      List<NodeInfo> nodes =
          cluster.nodes().stream().sorted(Comparator.comparing(NodeInfo::name)).toList();

      assertEquals(2, nodes.size());
      NodeInfo cordoned = nodes.get(0);
      assertEquals("cordoned-2", cordoned.name());
      assertFalse(cordoned.ready());
      assertTrue(cordoned.unschedulable());
      assertEquals(List.of(new Taint("rotator.dev/outdated", "", "PreferNoSchedule")), cordoned.taints());
      assertEquals("v1.29.9-eks-1234", cordoned.kubeletVersion());
      NodeInfo ready = nodes.get(1);
      assertTrue(ready.ready());
      assertFalse(ready.unschedulable());
      assertEquals("fake:///zone-a/ready-1", ready.providerId());
      assertEquals("zone-a", ready.zone());
      assertEquals("v1.30.4", ready.kubeletVersion());
      // The mock server stamps creationTimestamp at creation: it must come through, not fall back to EPOCH.
      assertTrue(ready.created().isAfter(Instant.parse("2020-01-01T00:00:00Z")), "created " + ready.created());
      assertTrue(cluster.node("ready-1").isPresent());
      assertTrue(cluster.node("no-such-node").isEmpty());
    }

    @Test
    @DisplayName("lists the pods of one node only, with a spec.nodeName field selector, across namespaces")
    void podsOnNodeUsesFieldSelector() {
      create(readyNode("n1"), readyNode("n2"));
      create(
          replicaPod("shop", "web-1", "n1"),
          replicaPod("kube-system", "dns-1", "n1"),
          replicaPod("shop", "web-2", "n2"));

      assertEquals(Set.of("shop/web-1", "kube-system/dns-1"), names(cluster.podsOnNode("n1")));
      assertEquals(Set.of("shop/web-2"), names(cluster.podsOnNode("n2")));

      List<TestDispatcher.Request> podLists =
          api.dispatcher.requests().stream()
              .filter(r -> r.method().equals("GET") && TestDispatcher.pathOnly(r.path()).equals("/api/v1/pods"))
              .toList();
      assertEquals(2, podLists.size());
      for (var r : podLists) {
        assertTrue(r.path().contains("fieldSelector=spec.nodeName%3Dn"), "never a list of all pods: " + r.path());
      }
    }

    @Test
    @DisplayName("maps DaemonSet, mirror, emptyDir, unmanaged and terminating pods for drain decisions")
    void mapsPodKinds() {
      create(readyNode("n1"));
      create(
          pod("kube-system", "agent-x1", "n1", "DaemonSet").build(),
          pod("kube-system", "kube-proxy-n1", "n1", "Node")
              .editMetadata()
              .addToAnnotations(KubeModel.MIRROR_ANNOTATION, "abc123")
              .endMetadata()
              .build(),
          pod("shop", "cache-1", "n1", "StatefulSet")
              .editSpec()
              .addNewVolume()
              .withName("scratch")
              .withNewEmptyDir()
              .endEmptyDir()
              .endVolume()
              .endSpec()
              .build(),
          pod("shop", "bare", "n1", null).build(),
          // An owner that is not the controller does not make a pod managed (kubectl's GetControllerOf).
          pod("shop", "adopted", "n1", null)
              .editMetadata()
              .addNewOwnerReference()
              .withApiVersion("v1")
              .withKind("ConfigMap")
              .withName("cm")
              .withUid("u1")
              .withController(false)
              .endOwnerReference()
              .endMetadata()
              .build(),
          pod("batch", "job-1", "n1", "Job")
              .editMetadata()
              .withFinalizers("test/keep")
              .endMetadata()
              .editStatus()
              .withPhase("Succeeded")
              .editLastCondition()
              .withStatus("False")
              .endCondition()
              .endStatus()
              .build());

      // Being deleted, held by a finalizer (set by a patch: the mock clears deletionTimestamp on create).
      api.client
          .pods()
          .inNamespace("batch")
          .withName("job-1")
          .patch(
              io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                  io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
              "{\"metadata\":{\"deletionTimestamp\":\"2030-01-01T00:00:00Z\"}}");

      Map<String, PodInfo> byName =
          cluster.podsOnNode("n1").stream().collect(Collectors.toMap(p -> p.ref().name(), p -> p));

      PodInfo ds = byName.get("agent-x1");
      assertEquals(OwnerKind.DAEMON_SET, ds.ownerKind());
      assertEquals("daemonset-of-agent-x1", ds.ownerName());
      assertFalse(ds.mirror());
      assertTrue(ds.ready());
      assertEquals("n1", ds.nodeName());

      PodInfo mirror = byName.get("kube-proxy-n1");
      assertTrue(mirror.mirror());

      PodInfo cache = byName.get("cache-1");
      assertEquals(OwnerKind.STATEFUL_SET, cache.ownerKind());
      assertTrue(cache.usesEmptyDir());

      assertEquals(OwnerKind.NONE, byName.get("bare").ownerKind());
      assertFalse(byName.get("bare").usesEmptyDir());
      assertEquals(OwnerKind.NONE, byName.get("adopted").ownerKind());

      PodInfo job = byName.get("job-1");
      assertEquals(OwnerKind.JOB, job.ownerKind());
      assertTrue(job.finished());
      assertFalse(job.ready());
      assertTrue(job.terminating());
      assertEquals("Running", byName.get("bare").phase());
    }

    @Test
    @DisplayName("lists Pending pods with a status.phase field selector and flags unschedulable ones")
    void pendingPods() {
      create(readyNode("n1"));
      create(
          replicaPod("shop", "web-1", "n1"),
          pod("shop", "web-2", null, "ReplicaSet")
              .editStatus()
              .withPhase("Pending")
              .withConditions()
              .addNewCondition()
              .withType("PodScheduled")
              .withStatus("False")
              .withReason("Unschedulable")
              .withMessage("0/3 nodes are available: 3 Insufficient cpu.")
              .endCondition()
              .endStatus()
              .build(),
          pod("shop", "web-3", "n1", "ReplicaSet")
              .editStatus()
              .withPhase("Pending")
              .withConditions()
              .endStatus()
              .build());

      List<PodInfo> pending = cluster.pendingPods();

      assertEquals(Set.of("shop/web-2", "shop/web-3"), names(pending));
      PodInfo unschedulable = pending.stream().filter(p -> p.ref().name().equals("web-2")).findFirst().orElseThrow();
      assertTrue(unschedulable.unschedulable());
      assertEquals("", unschedulable.nodeName());
      PodInfo starting = pending.stream().filter(p -> p.ref().name().equals("web-3")).findFirst().orElseThrow();
      assertFalse(starting.unschedulable());
      assertTrue(
          api.dispatcher.requests().stream().anyMatch(r -> r.path().contains("fieldSelector=status.phase%3DPending")));
    }

    @Test
    @DisplayName("maps PDBs with matchExpressions, minAvailable/maxUnavailable as written, and status")
    void mapsPdbs() {
      PodDisruptionBudget withExpressions =
          K8s.pdb("shop", "web-pdb", Map.of("app", "web"))
              .editSpec()
              .withMaxUnavailable(null)
              .withMinAvailable(new IntOrString("80%"))
              .editSelector()
              .addToMatchExpressions(K8s.requirement("tier", "In", "frontend", "edge"))
              .addToMatchExpressions(K8s.requirement("canary", "DoesNotExist"))
              .endSelector()
              .endSpec()
              .editStatus()
              .withDisruptionsAllowed(0)
              .withCurrentHealthy(4)
              .withDesiredHealthy(4)
              .withExpectedPods(5)
              .endStatus()
              .build();
      PodDisruptionBudget noSelector =
          K8s.pdb("shop", "broken", Map.of()).editSpec().withSelector(null).endSpec().build();
      create(withExpressions, noSelector, K8s.pdb("db", "pg", Map.of("app", "pg")).build());

      Map<String, PdbInfo> pdbs =
          cluster.pdbs().stream().collect(Collectors.toMap(PdbInfo::toString, p -> p));

      assertEquals(Set.of("shop/web-pdb", "shop/broken", "db/pg"), pdbs.keySet());
      PdbInfo web = pdbs.get("shop/web-pdb");
      assertEquals("80%", web.minAvailable());
      assertEquals("", web.maxUnavailable());
      assertEquals(0, web.disruptionsAllowed());
      assertEquals(4, web.currentHealthy());
      assertEquals(4, web.desiredHealthy());
      assertEquals(5, web.expectedPods());
      assertEquals("1", pdbs.get("db/pg").maxUnavailable());

      PodInfo frontend =
          KubeModel.toPodInfo(K8s.labelled(replicaPod("shop", "web-1", "n1"), Map.of("app", "web", "tier", "edge")));
      PodInfo backend =
          KubeModel.toPodInfo(K8s.labelled(replicaPod("shop", "web-2", "n1"), Map.of("app", "web", "tier", "api")));
      PodInfo canary =
          KubeModel.toPodInfo(
              K8s.labelled(replicaPod("shop", "web-3", "n1"), Map.of("app", "web", "tier", "edge", "canary", "y")));
      PodInfo otherNamespace =
          KubeModel.toPodInfo(K8s.labelled(replicaPod("db", "web-4", "n1"), Map.of("app", "web", "tier", "edge")));
      assertTrue(web.covers(frontend));
      assertFalse(web.covers(backend), "In requirement");
      assertFalse(web.covers(canary), "DoesNotExist requirement");
      assertFalse(web.covers(otherNamespace), "a PDB covers its own namespace only");
      // policy/v1: a PDB without selector selects no pod at all.
      assertFalse(pdbs.get("shop/broken").covers(frontend));
    }

    @Test
    @DisplayName("pages through LIST results with limit and continue")
    void paginates() {
      create(readyNode("n1"));
      cluster.nodes();
      assertTrue(
          api.dispatcher.requests().stream()
              .anyMatch(r -> r.path().startsWith("/api/v1/nodes?") && r.path().contains("limit=500")));
    }
  }

  @Nested
  @DisplayName("cordon and taints")
  class CordonAndTaints {

    @Test
    @DisplayName("cordon is idempotent and uncordon clears the flag")
    void cordonIdempotent() {
      create(readyNode("n1"));

      cluster.cordon("n1");
      cluster.cordon("n1");
      assertTrue(cluster.node("n1").orElseThrow().unschedulable());

      cluster.uncordon("n1");
      cluster.uncordon("n1");
      assertFalse(cluster.node("n1").orElseThrow().unschedulable());

      List<TestDispatcher.Request> patches =
          api.dispatcher.requests().stream().filter(r -> r.method().equals("PATCH")).toList();
      assertEquals(4, patches.size());
      assertEquals("{\"spec\":{\"unschedulable\":true}}", patches.get(0).body());
    }

    @Test
    @DisplayName("cordoning a node that does not exist is NOT_FOUND")
    void cordonMissing() {
      ClusterException e = assertThrows(ClusterException.class, () -> cluster.cordon("ghost"));
      assertEquals(ClusterException.Kind.NOT_FOUND, e.kind());
      assertTrue(e.getMessage().contains("ghost"), e.getMessage());
    }

    @Test
    @DisplayName("adds a taint once, keeps the node's other taints, and removes it by key")
    void addRemoveTaint() {
      create(
          K8s.node("n1")
              .editSpec()
              .addToTaints(K8s.taint("dedicated", "gpu", "NoSchedule"))
              .endSpec()
              .build());
      Taint outdated = new Taint("rotator.dev/outdated", "", "PreferNoSchedule");

      cluster.addTaint("n1", outdated);
      cluster.addTaint("n1", outdated);

      assertEquals(
          List.of(new Taint("dedicated", "gpu", "NoSchedule"), outdated),
          cluster.node("n1").orElseThrow().taints());
      long puts = api.dispatcher.requests().stream().filter(r -> r.method().equals("PUT")).count();
      assertEquals(1, puts, "the second addTaint found the taint and wrote nothing");

      cluster.removeTaint("n1", "rotator.dev/outdated");
      cluster.removeTaint("n1", "rotator.dev/outdated");

      assertEquals(List.of(new Taint("dedicated", "gpu", "NoSchedule")), cluster.node("n1").orElseThrow().taints());
      assertEquals(2, api.dispatcher.requests().stream().filter(r -> r.method().equals("PUT")).count());
    }

    @Test
    @DisplayName("a taint write that loses a race (409) is re-read and retried without losing the other write")
    void taintConflictRetried() {
      create(readyNode("n1"));
      api.dispatcher.concurrentWriteBeforeUpdate(
          "/api/v1/nodes/n1",
          "[{\"op\":\"add\",\"path\":\"/metadata/labels/written-by\",\"value\":\"kubelet\"}]",
          1);

      cluster.addTaint("n1", new Taint("rotator.dev/outdated", "", "PreferNoSchedule"));

      NodeInfo n = cluster.node("n1").orElseThrow();
      assertTrue(n.hasTaint("rotator.dev/outdated"));
      assertEquals("kubelet", n.labels().get("written-by"), "the concurrent write survived");
      assertEquals(2, api.dispatcher.requests().stream().filter(r -> r.method().equals("PUT")).count());
    }

    @Test
    @DisplayName("a taint write that keeps conflicting gives up after a bounded number of attempts, RETRYABLE")
    void taintConflictBounded() {
      create(readyNode("n1"));
      api.dispatcher.concurrentWriteBeforeUpdate(
          "/api/v1/nodes/n1",
          "[{\"op\":\"add\",\"path\":\"/metadata/labels/churn\",\"value\":\"v{n}\"}]",
          100);

      ClusterException e =
          assertThrows(
              ClusterException.class,
              () -> cluster.addTaint("n1", new Taint("rotator.dev/outdated", "", "PreferNoSchedule")));

      assertEquals(ClusterException.Kind.RETRYABLE, e.kind());
      assertEquals(
          KubernetesCluster.MAX_CONFLICT_RETRIES,
          api.dispatcher.requests().stream().filter(r -> r.method().equals("PUT")).count());
    }
  }

  @Nested
  @DisplayName("eviction")
  class Evictions {
    private final PodRef web = new PodRef("shop", "web-1");

    @BeforeEach
    void pod() {
      create(readyNode("n1"));
      create(replicaPod("shop", "web-1", "n1"));
    }

    @Test
    @DisplayName("201 is EVICTED, sent as a policy/v1 Eviction to pods/NAME/eviction")
    void evicted() {
      EvictionResult r = cluster.evict(web);

      assertEquals(Outcome.EVICTED, r.outcome());
      assertTrue(cluster.podsOnNode("n1").isEmpty());
      TestDispatcher.Request post = api.dispatcher.evictions().get(0);
      assertEquals("/api/v1/namespaces/shop/pods/web-1/eviction", post.path());
      assertTrue(post.body().contains("\"apiVersion\":\"policy/v1\""), post.body());
      assertTrue(post.body().contains("\"kind\":\"Eviction\""), post.body());
    }

    @Test
    @DisplayName("404 is GONE")
    void gone() {
      assertEquals(Outcome.GONE, cluster.evict(new PodRef("shop", "never-existed")).outcome());
    }

    @Test
    @DisplayName("429 is BLOCKED, naming the PDB from the Status causes, and is not retried by the client")
    void blocked() {
      api.dispatcher.evictionScript((pod, attempt) -> TestDispatcher.pdbBlocks("web-pdb", 3, 3));

      EvictionResult r = cluster.evict(web);

      assertEquals(Outcome.BLOCKED, r.outcome());
      assertEquals(List.of("shop/web-pdb"), r.blockingPdbs());
      assertTrue(r.message().contains("disruption budget"), r.message());
      assertEquals(1, api.dispatcher.evictionAttempts(web), "fabric8's own HTTP retry is off");
      assertEquals(1, cluster.podsOnNode("n1").size(), "the pod stays");
    }

    @Test
    @DisplayName("429 with Retry-After reports the server's wait")
    void retryAfter() {
      api.dispatcher.evictionScript(
          (pod, attempt) -> TestDispatcher.pdbBlocks("web-pdb", 3, 3).setHeader("Retry-After", "7"));

      EvictionResult r = cluster.evict(web);

      assertEquals(Outcome.BLOCKED, r.outcome());
      assertEquals(Duration.ofSeconds(7), r.retryAfter());
    }

    @Test
    @DisplayName("a 429 first and a 201 later: the caller's retry evicts the pod")
    void blockedThenAllowed() {
      api.dispatcher.evictionScript(
          (pod, attempt) -> attempt < 3 ? TestDispatcher.pdbBlocks("web-pdb", 3, 3) : TestDispatcher.created());

      assertEquals(Outcome.BLOCKED, cluster.evict(web).outcome());
      assertEquals(Outcome.BLOCKED, cluster.evict(web).outcome());
      assertEquals(Outcome.EVICTED, cluster.evict(web).outcome());
      assertEquals(Outcome.GONE, cluster.evict(web).outcome());
    }

    @Test
    @DisplayName("500 (e.g. a pod under two PDBs) is FAILED with the server's message")
    void serverError() {
      api.dispatcher.evictionScript(
          (pod, attempt) ->
              TestDispatcher.serverError(
                  "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."));

      EvictionResult r = cluster.evict(web);

      assertEquals(Outcome.FAILED, r.outcome());
      assertTrue(r.message().contains("500"), r.message());
      assertTrue(r.message().contains("more than one PodDisruptionBudget"), r.message());
      assertEquals(1, api.dispatcher.evictionAttempts(web), "fabric8's own HTTP retry is off");
    }

    @Test
    @DisplayName("403 (no RBAC for pods/eviction) is a PERMANENT ClusterException, not a retry")
    void forbidden() {
      api.dispatcher.evictionScript(
          (pod, attempt) ->
              TestDispatcher.failure(403, "Forbidden", "pods \"web-1\" is forbidden: cannot create pods/eviction"));

      ClusterException e = assertThrows(ClusterException.class, () -> cluster.evict(web));

      assertEquals(ClusterException.Kind.PERMANENT, e.kind());
      assertTrue(e.getMessage().contains("pods/eviction"), e.getMessage());
    }

    @Test
    @DisplayName("an unreachable API server is FAILED, not an exception")
    void unreachable() {
      api.server.shutdown();
      EvictionResult r = cluster.evict(web);
      assertEquals(Outcome.FAILED, r.outcome());
      assertTrue(r.message().contains("shop/web-1"), r.message());
    }
  }

  @Nested
  @DisplayName("node deletion and errors")
  class DeletionAndErrors {

    @Test
    @DisplayName("deleting a node is idempotent: already gone is success")
    void deleteNodeIdempotent() {
      create(readyNode("n1"));

      cluster.deleteNode("n1");
      cluster.deleteNode("n1");
      cluster.deleteNode("never-existed");

      assertTrue(cluster.node("n1").isEmpty());
      assertTrue(
          api.dispatcher.requests().stream()
              .anyMatch(r -> r.method().equals("DELETE") && r.path().startsWith("/api/v1/nodes/n1")));
    }

    @Test
    @DisplayName("API errors are typed: 503 RETRYABLE (after rotator's own bounded read retries, none hidden in"
        + " fabric8), 403 PERMANENT")
    void errorKinds() {
      api.dispatcher.failNext("GET", "/api/v1/nodes", TestDispatcher.failure(503, "ServiceUnavailable", "etcd"),
          ApiGuard.READ_ATTEMPTS);
      ClusterException unavailable = assertThrows(ClusterException.class, () -> cluster.nodes());
      assertEquals(ClusterException.Kind.RETRYABLE, unavailable.kind());
      assertEquals(ApiGuard.READ_ATTEMPTS, api.dispatcher.requests().size(),
          "exactly rotator's bounded read attempts: fabric8 did not retry behind rotator's back");

      api.dispatcher.failNext("GET", "/api/v1/nodes", TestDispatcher.failure(403, "Forbidden", "nodes is forbidden"), 1);
      ClusterException forbidden = assertThrows(ClusterException.class, () -> cluster.nodes());
      assertEquals(ClusterException.Kind.PERMANENT, forbidden.kind());
      assertTrue(forbidden.getMessage().contains("403"), forbidden.getMessage());

      api.dispatcher.failNext("PATCH", "/api/v1/nodes", TestDispatcher.failure(422, "Invalid", "bad"), 1);
      create(readyNode("n1"));
      assertEquals(
          ClusterException.Kind.PERMANENT,
          assertThrows(ClusterException.class, () -> cluster.cordon("n1")).kind());
    }

    @Test
    @DisplayName("a connection refused is RETRYABLE")
    void connectionRefused() {
      api.server.shutdown();
      ClusterException e = assertThrows(ClusterException.class, () -> cluster.nodes());
      assertEquals(ClusterException.Kind.RETRYABLE, e.kind());
    }
  }

  @Nested
  @DisplayName("watching a node's pods")
  class Watching {

    @Test
    @DisplayName("the watch syncs, sees only the node's pods, and sees an evicted pod disappear")
    void seesPodDisappear() {
      create(readyNode("n1"), readyNode("n2"));
      create(replicaPod("shop", "web-1", "n1"), replicaPod("shop", "web-2", "n1"), replicaPod("shop", "web-3", "n2"));

      try (PodWatch watch = cluster.watchPodsOnNode("n1")) {
        MockApi.await("initial sync", Duration.ofSeconds(10), watch::synced);
        assertEquals(Set.of("shop/web-1", "shop/web-2"), names(watch.pods()));

        assertEquals(Outcome.EVICTED, cluster.evict(new PodRef("shop", "web-1")).outcome());
        MockApi.await("web-1 gone from the watch", Duration.ofSeconds(10), () -> watch.pods().size() == 1);
        assertEquals(Set.of("shop/web-2"), names(watch.pods()));

        create(replicaPod("shop", "web-4", "n2"), replicaPod("shop", "web-5", "n1"));
        MockApi.await("web-5 seen", Duration.ofSeconds(10), () -> watch.pods().size() == 2);
        assertEquals(Set.of("shop/web-2", "shop/web-5"), names(watch.pods()));
        assertEquals(1, cluster.openWatches());
      }
      assertEquals(0, cluster.openWatches());
      boolean watched =
          api.dispatcher.requests().stream()
              .anyMatch(r -> r.path().contains("watch=true") && r.path().contains("fieldSelector=spec.nodeName%3Dn1"));
      assertTrue(watched, "an informer watch with the field selector");
    }

    @Test
    @DisplayName("a watch whose LIST fails transiently (503) re-lists by itself and syncs")
    void watchRetriesTransientErrors() {
      create(readyNode("n1"));
      create(replicaPod("shop", "web-1", "n1"));
      api.dispatcher.failNext("GET", "/api/v1/pods", TestDispatcher.failure(503, "ServiceUnavailable", "etcd"), 2);

      try (PodWatch watch = cluster.watchPodsOnNode("n1")) {
        MockApi.await("sync after two failed lists", Duration.ofSeconds(15), watch::synced);
        assertEquals(Set.of("shop/web-1"), names(watch.pods()));
      }
    }

    @Test
    @DisplayName("a watch the API forbids (403) throws PERMANENT instead of passing for an empty node")
    void forbiddenWatchIsPermanent() {
      create(readyNode("n1"));
      create(replicaPod("shop", "web-1", "n1"));
      api.dispatcher.failNext(
          "GET", "/api/v1/pods", TestDispatcher.failure(403, "Forbidden", "pods is forbidden: cannot list"), 1000);

      try (PodWatch watch = cluster.watchPodsOnNode("n1")) {
        MockApi.await("the informer to give up", Duration.ofSeconds(10), () -> {
          try {
            watch.synced();
            return false;
          } catch (ClusterException e) {
            return true;
          }
        });
        ClusterException e = assertThrows(ClusterException.class, watch::pods);
        assertEquals(ClusterException.Kind.PERMANENT, e.kind());
        assertTrue(e.getMessage().contains("n1"), e.getMessage());
      }
    }

    @Test
    @DisplayName("closing the cluster stops every watch it started")
    void closeStopsWatches() {
      create(readyNode("n1"));
      PodWatch w1 = cluster.watchPodsOnNode("n1");
      PodWatch w2 = cluster.watchPodsOnNode("n2");
      assertNotNull(w1);
      assertNotNull(w2);
      assertEquals(2, cluster.openWatches());
      cluster.close();
      assertEquals(0, cluster.openWatches());
    }
  }

  @Test
  @DisplayName("the request log that guards 'no pod DELETE' does catch one (so the guard can fail)")
  void deleteGuardWorks() {
    create(readyNode("n1"));
    create(replicaPod("shop", "web-1", "n1"));
    api.client.pods().inNamespace("shop").withName("web-1").delete();
    assertEquals(1, api.dispatcher.podDeletes().size());
    api.dispatcher.forgetRequests(); // this test's own DELETE is not the adapter's
  }

  @Test
  @DisplayName("the node model round trip keeps kubelet version when status.nodeInfo is missing")
  void nodeWithoutStatus() {
    Node bare = new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName("x").endMetadata().build();
    NodeInfo n = KubeModel.toNodeInfo(bare);
    assertEquals("", n.kubeletVersion());
    assertFalse(n.ready());
    assertEquals(Instant.EPOCH, n.created());
    Pod p = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("p").withNamespace("ns").endMetadata().build();
    PodInfo pi = KubeModel.toPodInfo(p);
    assertEquals(OwnerKind.NONE, pi.ownerKind());
    assertEquals("", pi.phase());
  }
}

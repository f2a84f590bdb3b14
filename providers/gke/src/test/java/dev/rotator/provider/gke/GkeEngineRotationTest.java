package dev.rotator.provider.gke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.Gate;
import dev.rotator.core.engine.OutdatedSelector;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.engine.RotationEngine;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.engine.RunOptions;
import dev.rotator.core.engine.RunResult;
import dev.rotator.core.fake.InMemoryCluster;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.fake.RecordingNotifier;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * rotator's own engine (strategy (a)) driving {@link GkeCloudProvider} against {@link FakeGcp}: every
 * instance of the pool's MIG registers as a Ready Node (providerID {@code gce://…}) as soon as it exists.
 */
class GkeEngineRotationTest {
  FakeGcp gcp;
  ManualClock clock;
  InMemoryCluster cluster;
  final Set<String> registered = new HashSet<>();

  @BeforeEach
  void setUp() throws Exception {
    gcp = new FakeGcp();
    gcp.masterVersion = "1.31.4-gke.1000";
    clock = new ManualClock();
    cluster = new InMemoryCluster();
    gcp.addPool("batch", "1.31.4-gke.1000", 3, "europe-west1-b");
    sync(clock.now());
    int i = 0;
    for (String node : List.copyOf(registered)) {
      cluster.addPod(new PodInfo(new PodRef("apps", "web-" + i++), node, Map.of("app", "web"),
          OwnerKind.REPLICA_SET, "web", false, false, true, "Running", false, false));
    }
    clock.onAdvance(this::sync);
  }

  @AfterEach
  void tearDown() {
    gcp.close();
  }

  /** The kubelet of every new instance registers its Node. */
  private void sync(Instant now) {
    for (String inst : gcp.instances("batch")) {
      if (registered.add(inst)) {
        String zone = gcp.zoneOf(inst);
        cluster.addNode(new NodeInfo(inst, Map.of("topology.kubernetes.io/zone", zone,
            "cloud.google.com/gke-nodepool", "batch"), Map.of(), "v1.31.4-gke.1000",
            "gce://" + FakeGcp.PROJECT + "/" + zone + "/" + inst, true, false, now, List.of()));
      }
    }
  }

  @Test
  @DisplayName("template drift: the engine replaces every node through the MIG and leaves the pool at its size")
  void rotatesPool() throws Exception {
    List<String> old = gcp.instances("batch");
    // GKE moved the pool's instance template on (same version); the running VMs predate it.
    gcp.pool("batch").groups.get(0).template = FakeGcp.template("1.31.4-gke.1000") + "-b";
    GkeSettings s = gcp.settings().withMaxPoolSize(4);
    GkeCloudProvider provider = gcp.provider(s, clock);
    Ports ports = new Ports(cluster, provider, new InMemoryStateStore(clock), Gate.open(), new RecordingNotifier(),
        clock);
    RotationPolicy policy = RotationPolicy.defaults().withMaxUnavailable(1).withMaxSurge(1)
        .withPodRules(true, true);
    RotationEngine engine = new RotationEngine(ports, policy, OutdatedSelector.providerSays(provider));

    RunResult r = engine.run(RunOptions.defaults("gke-1"));

    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message() + " " + r.evidence());
    List<String> now = gcp.instances("batch");
    assertEquals(List.of(3), gcp.sizes("batch"), "surge given back");
    assertEquals(3, now.size());
    now.forEach(n -> assertFalse(old.contains(n), "old instance left: " + n));
    List<String> nodes = cluster.nodes().stream().map(NodeInfo::name).sorted().toList();
    assertEquals(now.stream().sorted().toList(), nodes, "every Node has its instance and vice versa");
    for (String n : now) {
      assertEquals(java.util.Optional.of(false),
          provider.isOutdated(provider.instanceOf("gce://" + FakeGcp.PROJECT + "/" + gcp.zoneOf(n) + "/" + n)
              .orElseThrow()));
    }
    assertTrue(gcp.count("igm.deleteInstances") >= 3);

    RunResult again = new RotationEngine(ports, policy, OutdatedSelector.providerSays(provider))
        .run(RunOptions.defaults("gke-2"));
    assertEquals(RunResult.Outcome.NOTHING_TO_DO, again.outcome(), "converged: " + again.message());
  }
}

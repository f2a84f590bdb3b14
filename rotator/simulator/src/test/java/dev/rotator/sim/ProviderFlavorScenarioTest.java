package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.provider.fake.FakeFlavor;
import dev.rotator.sim.Scenario.NodeGroupSpec;
import dev.rotator.sim.Scenario.WorkloadKind;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code flavor} key of node groups and the aws-asg / gke-pool built-in scenarios. */
class ProviderFlavorScenarioTest {

  private static String group(String extra) {
    return "name: t\nnodeGroups:\n  - name: workers\n    size: 3\n    kubeletVersion: v1.30.6\n" + extra;
  }

  @Test
  @DisplayName("flavor defaults to fake; aws derives the region from its zones; gke defaults cluster sim, project sim-project")
  void parsesFlavors() {
    assertEquals(FakeFlavor.FAKE, Scenario.parse(group(""), "t.yaml").nodeGroups().get(0).flavor());
    NodeGroupSpec aws = Scenario.parse(group("    flavor: aws\n    zones: [ap-southeast-2a, ap-southeast-2b]\n"),
        "t.yaml").nodeGroups().get(0);
    assertEquals(FakeFlavor.aws(List.of("ap-southeast-2a")), aws.flavor());
    assertEquals("ap-southeast-2", aws.flavor().region());
    NodeGroupSpec gke = Scenario.parse(group("    flavor: gke\n"), "t.yaml").nodeGroups().get(0);
    assertEquals(FakeFlavor.gke("sim-project", "sim"), gke.flavor());
    assertEquals(List.of("europe-west1-b"), gke.zones(), "a gke group's default zone is a GCE zone");
    NodeGroupSpec named = Scenario.parse(group("    flavor: gke\n    cluster: prod\n    project: acme-prod-1\n"),
        "t.yaml").nodeGroups().get(0);
    assertEquals(FakeFlavor.gke("acme-prod-1", "prod"), named.flavor());
  }

  static Stream<Arguments> badFlavors() {
    return Stream.of(
        Arguments.of("unknown flavor", "    flavor: azure\n", "nodeGroups[0].flavor", "fake, aws, gke"),
        Arguments.of("flavor not a string", "    flavor: [aws]\n", "nodeGroups[0].flavor", "expected a string"),
        Arguments.of("cluster on aws", "    flavor: aws\n    zones: [us-east-1a]\n    cluster: x\n",
            "nodeGroups[0].cluster", "only for flavor: gke"),
        Arguments.of("project on fake", "    project: my-project\n", "nodeGroups[0].project", "only for flavor: gke"),
        Arguments.of("aws zone not AWS", "    flavor: aws\n    zones: [us-east-1a, sim-b]\n", "nodeGroups[0].zones[1]",
            "AWS availability zone"),
        Arguments.of("aws zones in two regions", "    flavor: aws\n    zones: [us-east-1a, eu-west-1a]\n",
            "nodeGroups[0].zones[1]", "one region"),
        Arguments.of("gke zone not GCE", "    flavor: gke\n    zones: [us-east-1a]\n", "nodeGroups[0].zones[0]",
            "GCE zone"),
        Arguments.of("duplicate zone", "    zones: [a, b, a]\n", "nodeGroups[0].zones[2]", "duplicate zone"),
        Arguments.of("bad cluster", "    flavor: gke\n    cluster: Prod\n", "nodeGroups[0].cluster", "cluster name"),
        Arguments.of("name too long", "    flavor: gke\n    cluster: " + "c".repeat(40) + "\n",
            "nodeGroups[0].cluster", "63 characters"),
        Arguments.of("bad project", "    flavor: gke\n    project: x\n", "nodeGroups[0].project", "project id"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFlavors")
  @DisplayName("flavour keys are parsed strictly, errors name the key")
  void rejectsBadFlavors(String what, String extra, String key, String message) {
    ScenarioException e = assertThrows(ScenarioException.class, () -> Scenario.parse(group(extra), "t.yaml"), what);
    assertEquals(key, e.key(), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  @DisplayName("aws-asg and gke-pool: 3 zones, tight PDBs on the replicated workloads, a StatefulSet and a DaemonSet")
  void builtins() {
    for (String name : List.of("aws-asg", "gke-pool")) {
      Scenario s = Scenario.builtin(name);
      NodeGroupSpec g = s.nodeGroups().get(0);
      assertEquals(name.equals("aws-asg") ? FakeFlavor.Kind.AWS : FakeFlavor.Kind.GKE, g.flavor().kind());
      assertEquals(3, g.zones().size(), name);
      assertTrue(g.size() >= 9 && g.size() <= 12, name);
      assertTrue(s.workloads().stream().anyMatch(w -> w.kind() == WorkloadKind.StatefulSet && w.pdb() != null));
      assertTrue(s.workloads().stream().anyMatch(w -> w.kind() == WorkloadKind.DaemonSet));
      assertTrue(s.workloads().stream().anyMatch(w -> w.pdb() != null && w.pdb().maxUnavailable() != null
          && w.pdb().maxUnavailable().value() == 1 && !w.pdb().maxUnavailable().percent()));
      assertTrue(s.rotatorConfig().path("policy").path("maxSurge").asInt() > 0, name);
      assertEquals(false, s.rotatorConfig().path("gates").path("apiserver").path("enabled").asBoolean(true), name);
    }
  }

  @Test
  @DisplayName("gke-pool boots Nodes named like GKE instances with gce:// providerIDs, the node pool label, even zones")
  void gkeNodes() {
    try (Simulator sim = Simulator.start(Scenario.builtin("gke-pool"));
        KubernetesClient client = client(sim)) {
      List<Node> nodes = client.nodes().list().getItems();
      assertEquals(9, nodes.size());
      for (Node n : nodes) {
        String name = n.getMetadata().getName();
        assertTrue(name.matches("gke-prod-pool-1-[0-9a-f]{8}-[0-9a-z]{4}"), name);
        String zone = n.getMetadata().getLabels().get("topology.kubernetes.io/zone");
        assertEquals("gce://sim-project/" + zone + "/" + name, n.getSpec().getProviderID());
        assertEquals("pool-1", n.getMetadata().getLabels().get("cloud.google.com/gke-nodepool"));
        assertEquals("europe-west1", n.getMetadata().getLabels().get("topology.kubernetes.io/region"));
        assertEquals(name, sim.cloud().instanceOf(n.getSpec().getProviderID()).orElseThrow().instanceId());
      }
      Map<String, Long> byZone = nodes.stream().collect(Collectors.groupingBy(
          n -> n.getMetadata().getLabels().get("topology.kubernetes.io/zone"), Collectors.counting()));
      assertEquals(Map.of("europe-west1-b", 3L, "europe-west1-c", 3L, "europe-west1-d", 3L), byZone);
    }
  }

  @Test
  @DisplayName("aws-asg boots Nodes named ip-10-….eu-west-1.compute.internal with aws:/// providerIDs and the EKS label")
  void awsNodes() {
    try (Simulator sim = Simulator.start(Scenario.builtin("aws-asg"));
        KubernetesClient client = client(sim)) {
      List<Node> nodes = client.nodes().list().getItems();
      assertEquals(12, nodes.size());
      for (Node n : nodes) {
        String name = n.getMetadata().getName();
        assertTrue(name.matches("ip-10-\\d+-\\d+-\\d+\\.eu-west-1\\.compute\\.internal"), name);
        String zone = n.getMetadata().getLabels().get("topology.kubernetes.io/zone");
        assertTrue(n.getSpec().getProviderID().matches("aws:///" + zone + "/i-[0-9a-f]{17}"), n.getSpec().getProviderID());
        assertEquals("workers", n.getMetadata().getLabels().get("eks.amazonaws.com/nodegroup"));
        String ip = n.getStatus().getAddresses().stream().filter(a -> a.getType().equals("InternalIP"))
            .findFirst().orElseThrow().getAddress();
        assertTrue(name.startsWith("ip-" + ip.replace('.', '-') + "."), name + " vs " + ip);
        assertTrue(sim.cloud().instanceOf(n.getSpec().getProviderID()).isPresent());
      }
    }
  }

  private static KubernetesClient client(Simulator sim) {
    Config config = new ConfigBuilder().withMasterUrl(sim.apiUrl()).withRequestRetryBackoffLimit(0).build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}

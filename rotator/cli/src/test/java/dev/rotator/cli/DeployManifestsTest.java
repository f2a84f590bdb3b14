package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.rotator.config.ConfigLoader;
import dev.rotator.config.ProviderSettings;
import dev.rotator.config.RotatorConfig;
import dev.rotator.kubernetes.ConfigMapStateStore;
import dev.rotator.kubernetes.LeaseLock;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Renders deploy/ with the real {@code kubectl kustomize} and checks what would be applied: the RBAC is
 * exactly the set the code needs (no more, no less), the CronJob is the hardened bounded pass, and the
 * shipped rotator.yaml loads.
 *
 * <p>The expected RBAC lives here, one {@link Grant} per verb, each naming the source file and the call
 * that needs it; {@link #everyGrantIsStillCalledByTheCode()} fails when that call disappears from the
 * code, so a verb nobody uses any more cannot linger in the ClusterRole unnoticed.
 */
class DeployManifestsTest {

  /** kustomize renders in well under a second; this only bounds a hung process. */
  private static final Duration KUBECTL_TIMEOUT = Duration.ofSeconds(60);
  private static final YAMLMapper YAML = new YAMLMapper();

  private static final String KUBE = "rotator/kubernetes/src/main/java/dev/rotator/kubernetes/";
  private static final String CLUSTER = KUBE + "KubernetesCluster.java";
  private static final String STATE = KUBE + "ConfigMapStateStore.java";
  private static final String LOCK = KUBE + "LeaseLock.java";
  private static final String ETCD_CHECK =
      "health-checks/etcd/src/main/java/dev/rotator/health/etcd/ApiServerEtcdCheck.java";
  private static final String API_CHECK =
      "health-checks/apiserver/src/main/java/dev/rotator/health/apiserver/ApiServerLatencyCheck.java";

  /**
   * One permission: a verb on a resource (optionally one named object) or on a non-resource URL, with the
   * code that needs it ({@code file} contains {@code call}).
   */
  record Grant(Perm perm, String file, String call) {}

  /** The normalized form both sides are compared in: one verb on one thing. */
  record Perm(String apiGroup, String resource, String resourceName, String nonResourceUrl, String verb)
      implements Comparable<Perm> {
    static Perm res(String group, String resource, String verb) {
      return new Perm(group, resource, "*", "", verb);
    }

    static Perm named(String group, String resource, String name, String verb) {
      return new Perm(group, resource, name, "", verb);
    }

    static Perm url(String url, String verb) {
      return new Perm("", "", "", url, verb);
    }

    @Override
    public int compareTo(Perm o) {
      return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
      return nonResourceUrl.isEmpty()
          ? verb + " " + (apiGroup.isEmpty() ? "core" : apiGroup) + "/" + resource
              + ("*".equals(resourceName) ? "" : "[" + resourceName + "]")
          : verb + " " + nonResourceUrl;
    }
  }

  /** ClusterRole rotator: cluster-wide. */
  static final List<Grant> CLUSTER_GRANTS = List.of(
      // KubernetesCluster.node() and the read half of every taint/annotation update.
      new Grant(Perm.res("", "nodes", "get"), CLUSTER, "client.nodes().withName(name).get()"),
      // KubernetesCluster.nodes(), paginated; also the apiserver gate's probe /api/v1/nodes?limit=1.
      new Grant(Perm.res("", "nodes", "list"), CLUSTER, "client.nodes().list(opts)"),
      // cordon/uncordon: a JSON merge patch of spec.unschedulable.
      new Grant(Perm.res("", "nodes", "patch"), CLUSTER, "PatchContext.of(PatchType.JSON_MERGE)"),
      // addTaint/removeTaint/annotateNode: PUT with the read resourceVersion.
      new Grant(Perm.res("", "nodes", "update"), CLUSTER, "client.nodes().resource(node).update()"),
      // deleteNode after the drain, before the instance is terminated.
      new Grant(Perm.res("", "nodes", "delete"), CLUSTER, "client.nodes().withName(nodeName).delete()"),
      // podsOnNode / pendingPods: LIST with field selectors spec.nodeName / status.phase.
      new Grant(Perm.res("", "pods", "list"), CLUSTER, ".withField(\"spec.nodeName\", nodeName).list(opts)"),
      // InformerPodWatch: LIST then WATCH of one draining node's pods.
      new Grant(Perm.res("", "pods", "watch"), KUBE + "InformerPodWatch.java", ".runnableInformer(0)"),
      // KubernetesCluster.evict: a raw POST of a policy/v1 Eviction to pods/NAME/eviction.
      new Grant(Perm.res("", "pods/eviction", "create"), CLUSTER, ".post(\"application/json\""),
      // KubernetesCluster.pdbs: LIST of policy/v1 PodDisruptionBudgets in all namespaces.
      new Grant(Perm.res("policy", "poddisruptionbudgets", "list"), CLUSTER,
          "podDisruptionBudget().inAnyNamespace().list(opts)"),
      // KubernetesEventRecorder: Events on Nodes (namespace default) and on the state ConfigMap.
      new Grant(Perm.res("", "events", "create"), KUBE + "KubernetesEventRecorder.java",
          "client.v1().events().inNamespace(namespace).resource(event).create()"),
      // ApiServerEtcdCheck (gates.etcdViaApiServer): GET /readyz/etcd, /livez/etcd on a 404.
      new Grant(Perm.url("/readyz/etcd", "get"), ETCD_CHECK, "READYZ = \"readyz/etcd\""),
      new Grant(Perm.url("/livez/etcd", "get"), ETCD_CHECK, "LIVEZ = \"livez/etcd\""));

  /** Role rotator in the state namespace. */
  static final List<Grant> NAMESPACE_GRANTS = List.of(
      // ConfigMapStateStore.read(): mode and progress.
      new Grant(Perm.named("", "configmaps", ConfigMapStateStore.DEFAULT_NAME, "get"), STATE,
          "client.configMaps().inNamespace(namespace).withName(name).get()"),
      // ConfigMapStateStore.write(): read-modify-PUT with the read resourceVersion.
      new Grant(Perm.named("", "configmaps", ConfigMapStateStore.DEFAULT_NAME, "update"), STATE,
          "client.configMaps().inNamespace(namespace).resource(current).update()"),
      // ConfigMapStateStore.write() on the first write; create cannot be limited by resourceNames.
      new Grant(Perm.res("", "configmaps", "create"), STATE, ".resource(newConfigMap(data)).create()"),
      // LeaseLock.read(): who holds the lock.
      new Grant(Perm.named("coordination.k8s.io", "leases", LeaseLock.NAME, "get"), LOCK,
          "client.leases().inNamespace(namespace).withName(NAME).get()"),
      // LeaseLock: take over, renew, release, each a PUT with the read resourceVersion.
      new Grant(Perm.named("coordination.k8s.io", "leases", LeaseLock.NAME, "update"), LOCK,
          "client.leases().inNamespace(namespace).resource(lease).update()"),
      // LeaseLock.tryAcquire() when no Lease exists yet; create cannot be limited by resourceNames.
      new Grant(Perm.res("coordination.k8s.io", "leases", "create"), LOCK, ".resource(newLease(now)).create()"));

  /** deploy/components/apiserver-metrics adds this one to the ClusterRole. */
  static final Grant METRICS_GRANT =
      // ApiServerLatencyCheck with gates.apiserver.metrics.enabled: GET /metrics.
      new Grant(Perm.url("/metrics", "get"), API_CHECK, "baseUrl + \"/metrics\"");

  // ---------------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"deploy/base", "deploy/overlays/aws", "deploy/overlays/gke"})
  @DisplayName("kustomize renders a ClusterRole and a Role granting exactly the permissions the code uses")
  void rbacIsExactlyTheNeededSet(String dir) {
    List<JsonNode> docs = render(root().resolve(dir));
    assertEquals(perms(CLUSTER_GRANTS), rulesOf(one(docs, "ClusterRole", "rotator")), "ClusterRole rotator");
    JsonNode role = one(docs, "Role", "rotator");
    assertEquals(ConfigMapStateStore.DEFAULT_NAMESPACE, role.at("/metadata/namespace").asText());
    assertEquals(perms(NAMESPACE_GRANTS), rulesOf(role), "Role rotator");
    assertEquals(1, ofKind(docs, "ClusterRole").size(), "no other ClusterRole");
    assertEquals(1, ofKind(docs, "Role").size(), "no other Role");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"deploy/base", "deploy/overlays/aws", "deploy/overlays/gke"})
  @DisplayName("both bindings give the roles to ServiceAccount rotator-system/rotator, the CronJob's identity")
  void bindingsNameTheServiceAccount(String dir) {
    List<JsonNode> docs = render(root().resolve(dir));
    String ns = ConfigMapStateStore.DEFAULT_NAMESPACE;
    one(docs, "ServiceAccount", "rotator");
    one(docs, "Namespace", ns);
    for (String[] kinds : new String[][] {{"ClusterRoleBinding", "ClusterRole"}, {"RoleBinding", "Role"}}) {
      JsonNode b = one(docs, kinds[0], "rotator");
      assertEquals(kinds[1], b.at("/roleRef/kind").asText(), kinds[0] + " roleRef");
      assertEquals("rotator", b.at("/roleRef/name").asText(), kinds[0] + " roleRef");
      assertEquals(1, b.path("subjects").size(), kinds[0] + " subjects");
      JsonNode s = b.path("subjects").get(0);
      assertEquals(List.of("ServiceAccount", "rotator", ns),
          List.of(s.path("kind").asText(), s.path("name").asText(), s.path("namespace").asText()),
          kinds[0] + " subject");
    }
    assertEquals("rotator", cronJobPod(docs).path("serviceAccountName").asText());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"deploy/base", "deploy/overlays/aws", "deploy/overlays/gke"})
  @DisplayName("the CronJob runs one bounded pass, never two at once, hardened, with POD_NAME for the lock")
  void cronJobIsTheHardenedBoundedPass(String dir) {
    List<JsonNode> docs = render(root().resolve(dir));
    JsonNode cj = one(docs, "CronJob", "rotator");
    assertEquals("Forbid", cj.at("/spec/concurrencyPolicy").asText());
    assertTrue(cj.at("/spec/startingDeadlineSeconds").asInt() > 0, "startingDeadlineSeconds");
    assertFalse(cj.at("/spec/schedule").asText().isBlank(), "schedule");
    assertEquals(0, cj.at("/spec/jobTemplate/spec/backoffLimit").asInt(-1), "backoffLimit");

    JsonNode pod = cronJobPod(docs);
    assertEquals("Never", pod.path("restartPolicy").asText());
    assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean(), "pod runAsNonRoot");
    assertEquals("RuntimeDefault", pod.at("/securityContext/seccompProfile/type").asText());
    assertEquals(1, pod.path("containers").size(), "one container");
    JsonNode c = pod.path("containers").get(0);
    assertEquals("rotator:0.1.0", c.path("image").asText());
    assertEquals(List.of("run", "--once", "--config", "/etc/rotator/rotator.yaml"), strings(c.path("args")));
    JsonNode sc = c.path("securityContext");
    assertTrue(sc.path("runAsNonRoot").asBoolean(), "container runAsNonRoot");
    assertTrue(sc.path("readOnlyRootFilesystem").asBoolean(), "readOnlyRootFilesystem");
    assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true), "allowPrivilegeEscalation");
    assertEquals(List.of("ALL"), strings(sc.at("/capabilities/drop")), "capabilities.drop");
    assertTrue(sc.at("/capabilities/add").isMissingNode(), "no capability added");
    assertEquals("RuntimeDefault", sc.at("/seccompProfile/type").asText());
    assertFalse(c.at("/resources/requests/cpu").asText().isEmpty(), "cpu request");
    assertFalse(c.at("/resources/requests/memory").asText().isEmpty(), "memory request");
    assertFalse(c.at("/resources/limits/memory").asText().isEmpty(), "memory limit");

    JsonNode podName = stream(c.path("env")).filter(e -> e.path("name").asText().equals("POD_NAME"))
        .findFirst().orElseThrow(() -> new AssertionError("no POD_NAME env (LeaseLock.identity reads it)"));
    assertEquals("metadata.name", podName.at("/valueFrom/fieldRef/fieldPath").asText());

    Map<String, String> mounts = stream(c.path("volumeMounts"))
        .collect(Collectors.toMap(m -> m.path("mountPath").asText(), m -> m.path("name").asText()));
    Map<String, JsonNode> volumes = stream(pod.path("volumes"))
        .collect(Collectors.toMap(v -> v.path("name").asText(), v -> v));
    JsonNode tmp = volumes.get(mounts.get("/tmp"));
    assertNotNull(tmp, "a volume on /tmp (the root filesystem is read-only)");
    assertTrue(tmp.has("emptyDir"), "/tmp is an emptyDir");
    JsonNode config = volumes.get(mounts.get("/etc/rotator"));
    assertNotNull(config, "a volume on /etc/rotator");
    // The generated ConfigMap's hashed name: kustomize rewrote the reference, so the pod mounts what ships.
    one(docs, "ConfigMap", config.at("/configMap/name").asText());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"deploy/base", "deploy/overlays/aws", "deploy/overlays/gke"})
  @DisplayName("the shipped rotator.yaml loads, and names the state objects the Role grants")
  void shippedConfigLoads(String dir) {
    List<JsonNode> docs = render(root().resolve(dir));
    RotatorConfig config = ConfigLoader.parse(shippedConfig(docs), dir + "/rotator.yaml");
    assertEquals(ConfigMapStateStore.DEFAULT_NAMESPACE, config.cluster().stateNamespace());
    assertEquals(ConfigMapStateStore.DEFAULT_NAME, config.cluster().stateConfigMap());
    assertTrue(config.cluster().kubeconfig().isEmpty(), "in the pod: the in-cluster service account");
    ProviderSettings.Type expected = dir.endsWith("gke") ? ProviderSettings.Type.GKE : ProviderSettings.Type.AWS;
    assertEquals(expected, config.provider().type());
    // /metrics is not granted by these: the shipped config must not need it.
    assertFalse(config.gates().apiserver().settings().metrics().enabled(), "gates.apiserver.metrics.enabled");
    assertEquals(dev.rotator.config.LoggingSettings.Format.JSON, config.logging().format(), "JSON logs in the pod");
  }

  @Test
  @DisplayName("the apiserver-metrics component adds exactly GET /metrics to the ClusterRole")
  void metricsComponentAddsOnlyMetrics(@TempDir Path tmp) throws IOException {
    Path root = root();
    Path dir = tmp.toRealPath();
    // kustomize refuses absolute paths to other kustomizations: refer to them relatively.
    String overlay = dir.relativize(root.resolve("deploy/overlays/aws")).toString();
    String component = dir.relativize(root.resolve("deploy/components/apiserver-metrics")).toString();
    Files.writeString(dir.resolve("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            + "resources:\n  - " + overlay + "\ncomponents:\n  - " + component + "\n");
    List<JsonNode> docs = render(dir);
    List<Grant> expected = new ArrayList<>(CLUSTER_GRANTS);
    expected.add(METRICS_GRANT);
    assertEquals(perms(expected), rulesOf(one(docs, "ClusterRole", "rotator")));
    assertEquals(perms(NAMESPACE_GRANTS), rulesOf(one(docs, "Role", "rotator")));
  }

  @Test
  @DisplayName("every granted verb is still called by the code that the expected set names")
  void everyGrantIsStillCalledByTheCode() throws IOException {
    List<Grant> all = new ArrayList<>(CLUSTER_GRANTS);
    all.addAll(NAMESPACE_GRANTS);
    all.add(METRICS_GRANT);
    List<String> missing = new ArrayList<>();
    for (Grant g : all) {
      Path file = root().resolve(g.file());
      if (!Files.isRegularFile(file) || !Files.readString(file).contains(g.call())) {
        missing.add(g.perm() + ": " + g.file() + " no longer contains " + g.call());
      }
    }
    assertEquals(List.of(), missing,
        "a granted permission no code needs any more: drop it from deploy/ and from this test");
  }

  @Test
  @DisplayName("Events are granted create only: rotator never reads, updates or deletes anyone's Events")
  void eventsCreateOnly() {
    List<Perm> events = perms(CLUSTER_GRANTS).stream().filter(p -> p.resource().equals("events")).toList();
    assertEquals(List.of(Perm.res("", "events", "create")), events);
    assertTrue(perms(NAMESPACE_GRANTS).stream().noneMatch(p -> p.resource().equals("events")));
  }

  @Test
  @DisplayName("the serve component replaces the CronJob by a hardened 2-replica Deployment running serve, with"
      + " probes and a metrics Service, under exactly the same RBAC")
  void serveComponent(@TempDir Path tmp) throws IOException {
    Path root = root();
    Path dir = tmp.toRealPath();
    String overlay = dir.relativize(root.resolve("deploy/overlays/aws")).toString();
    String component = dir.relativize(root.resolve("deploy/components/serve")).toString();
    Files.writeString(dir.resolve("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            + "resources:\n  - " + overlay + "\ncomponents:\n  - " + component + "\n");
    List<JsonNode> docs = render(dir);
    assertEquals(List.of(), ofKind(docs, "CronJob"), "serve replaces the CronJob");
    assertEquals(perms(CLUSTER_GRANTS), rulesOf(one(docs, "ClusterRole", "rotator")));
    assertEquals(perms(NAMESPACE_GRANTS), rulesOf(one(docs, "Role", "rotator")));

    JsonNode d = one(docs, "Deployment", "rotator");
    assertEquals(ConfigMapStateStore.DEFAULT_NAMESPACE, d.at("/metadata/namespace").asText());
    assertTrue(d.at("/spec/replicas").asInt() >= 2, "a warm follower");
    JsonNode pod = d.at("/spec/template/spec");
    assertEquals("rotator", pod.path("serviceAccountName").asText());
    assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean(), "pod runAsNonRoot");
    assertTrue(pod.path("terminationGracePeriodSeconds").asInt() > ShutdownGuard.GRACE.toSeconds(),
        "the grace period covers ShutdownGuard's cleanup");
    JsonNode c = pod.path("containers").get(0);
    assertEquals(List.of("serve", "--config", "/etc/rotator/rotator.yaml"), strings(c.path("args")));
    JsonNode sc = c.path("securityContext");
    assertTrue(sc.path("readOnlyRootFilesystem").asBoolean(), "readOnlyRootFilesystem");
    assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true), "allowPrivilegeEscalation");
    assertEquals(List.of("ALL"), strings(sc.at("/capabilities/drop")), "capabilities.drop");
    assertEquals("metadata.name", stream(c.path("env")).filter(e -> e.path("name").asText().equals("POD_NAME"))
        .findFirst().orElseThrow().at("/valueFrom/fieldRef/fieldPath").asText());
    assertEquals("/healthz", c.at("/livenessProbe/httpGet/path").asText());
    assertEquals("/readyz", c.at("/readinessProbe/httpGet/path").asText());
    JsonNode port = c.path("ports").get(0);
    assertEquals("http", port.path("name").asText());
    assertEquals(dev.rotator.config.ServeSettings.defaults().listenPort(), port.path("containerPort").asInt());
    String configMap = stream(pod.path("volumes")).filter(v -> v.has("configMap")).findFirst().orElseThrow()
        .at("/configMap/name").asText();
    RotatorConfig config = ConfigLoader.parse(one(docs, "ConfigMap", configMap).at("/data/rotator.yaml").asText(),
        "serve rotator.yaml");
    assertEquals(dev.rotator.config.LoggingSettings.Format.JSON, config.logging().format());

    JsonNode svc = one(docs, "Service", "rotator");
    JsonNode labels = d.at("/spec/template/metadata/labels");
    svc.path("spec").path("selector").fields().forEachRemaining(e ->
        assertEquals(e.getValue().asText(), labels.path(e.getKey()).asText(), "Service selects the pods: " + e));
    assertEquals("http", svc.at("/spec/ports/0/targetPort").asText());
  }

  // ---------------------------------------------------------------------------------------------------

  private static Set<Perm> perms(List<Grant> grants) {
    Set<Perm> s = new TreeSet<>();
    for (Grant g : grants) {
      assertTrue(s.add(g.perm()), "listed twice: " + g.perm());
    }
    return s;
  }

  /** Expands each rule into single permissions, so two ways of grouping the same rights compare equal. */
  private static Set<Perm> rulesOf(JsonNode role) {
    Set<Perm> out = new TreeSet<>();
    for (JsonNode rule : role.path("rules")) {
      List<String> verbs = strings(rule.path("verbs"));
      assertFalse(verbs.isEmpty(), "a rule without verbs: " + rule);
      assertFalse(verbs.contains("*"), "wildcard verb: " + rule);
      List<String> urls = strings(rule.path("nonResourceURLs"));
      if (!urls.isEmpty()) {
        assertTrue(rule.path("resources").isMissingNode() && rule.path("apiGroups").isMissingNode(),
            "a rule mixing URLs and resources: " + rule);
        urls.forEach(u -> verbs.forEach(v -> out.add(Perm.url(u, v))));
        continue;
      }
      List<String> names = strings(rule.path("resourceNames"));
      for (String g : strings(rule.path("apiGroups"))) {
        for (String r : strings(rule.path("resources"))) {
          assertFalse(g.equals("*") || r.equals("*"), "wildcard: " + rule);
          for (String v : verbs) {
            if (names.isEmpty()) {
              out.add(Perm.res(g, r, v));
            } else {
              names.forEach(n -> out.add(Perm.named(g, r, n, v)));
            }
          }
        }
      }
    }
    return out;
  }

  private static JsonNode cronJobPod(List<JsonNode> docs) {
    return one(docs, "CronJob", "rotator").at("/spec/jobTemplate/spec/template/spec");
  }

  private static String shippedConfig(List<JsonNode> docs) {
    JsonNode pod = cronJobPod(docs);
    String name = stream(pod.path("volumes")).filter(v -> v.has("configMap")).findFirst()
        .orElseThrow(() -> new AssertionError("no configMap volume")).at("/configMap/name").asText();
    JsonNode yaml = one(docs, "ConfigMap", name).at("/data/rotator.yaml");
    assertTrue(yaml.isTextual(), "ConfigMap " + name + " has no data key rotator.yaml");
    return yaml.asText();
  }

  private static JsonNode one(List<JsonNode> docs, String kind, String name) {
    List<JsonNode> found = ofKind(docs, kind).stream()
        .filter(d -> d.at("/metadata/name").asText().equals(name)).toList();
    assertEquals(1, found.size(), "exactly one " + kind + " " + name);
    return found.get(0);
  }

  private static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
  }

  private static List<String> strings(JsonNode array) {
    return stream(array).map(JsonNode::asText).collect(Collectors.toCollection(ArrayList::new));
  }

  private static Stream<JsonNode> stream(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The repository root: the first directory above the working directory that holds deploy/. */
  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("deploy"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no deploy/ directory above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  /** Runs {@code kubectl kustomize DIR} (bounded) and parses the YAML stream it prints. */
  private static List<JsonNode> render(Path dir) {
    String kubectl = kubectl();
    Process p;
    try {
      p = new ProcessBuilder(kubectl, "kustomize", dir.toString()).start();
    } catch (IOException e) {
      throw new AssertionError("kubectl is needed to render deploy/ (could not start " + kubectl + ")", e);
    }
    closeQuietly(p);
    CompletableFuture<String> out = readAsync(p.getInputStream());
    CompletableFuture<String> err = readAsync(p.getErrorStream());
    try {
      if (!p.waitFor(KUBECTL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("kubectl kustomize " + dir + " did not finish within " + KUBECTL_TIMEOUT.toSeconds() + " s");
      }
      String stdout = out.get(5, TimeUnit.SECONDS);
      if (p.exitValue() != 0) {
        fail("kubectl kustomize " + dir + " exited " + p.exitValue() + ": " + err.get(5, TimeUnit.SECONDS));
      }
      List<JsonNode> docs = new ArrayList<>();
      try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(stdout)) {
        while (it.hasNext()) {
          JsonNode d = it.next();
          if (d != null && !d.isNull() && !d.isMissingNode()) {
            docs.add(d);
          }
        }
      }
      assertFalse(docs.isEmpty(), "kubectl kustomize " + dir + " printed nothing");
      return docs;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (Exception e) {
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new AssertionError("kubectl kustomize " + dir + ": " + e, e);
    } finally {
      p.destroyForcibly();
    }
  }

  private static CompletableFuture<String> readAsync(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** kubectl on the PATH, or a failure saying it is needed (CI has it; never a silent skip). */
  private static String kubectl() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(File.pathSeparator)) {
        File f = new File(d, "kubectl");
        if (f.isFile() && f.canExecute()) {
          return f.getAbsolutePath();
        }
      }
    }
    fail("kubectl is needed: DeployManifestsTest renders deploy/ with `kubectl kustomize` (install kubectl"
        + " 1.27+ and put it on the PATH); PATH=" + path);
    return null;
  }

  /** kubectl reads nothing from stdin: close it so it can never wait for input. */
  private static void closeQuietly(Process p) {
    try {
      p.getOutputStream().close();
    } catch (IOException e) {
      // Nothing was written; a failed close of an unused pipe changes nothing.
    }
  }
}

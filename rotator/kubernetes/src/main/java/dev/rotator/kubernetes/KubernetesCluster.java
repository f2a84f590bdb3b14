package dev.rotator.kubernetes;

import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.ClusterException.Kind;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.PodWatch;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.URLUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The {@link Cluster} port over a fabric8 {@link KubernetesClient}.
 *
 * <ul>
 *   <li>Reads: nodes and PDBs are listed (paginated); pods are only ever listed per node ({@code
 *       spec.nodeName} field selector) or by phase ({@code status.phase=Pending}), never all at once.
 *   <li>Cordon/uncordon: a JSON merge patch of {@code spec.unschedulable}, idempotent by nature.
 *   <li>Taints: read-modify-write with the read resourceVersion (PUT), retried on 409 a bounded number
 *       of times, so a concurrent kubelet or controller update is never overwritten.
 *   <li>Eviction: a policy/v1 {@code Eviction} POSTed through the client's HTTP layer (see {@link
 *       #evict(PodRef)} for why not {@code PodResource.evict}).
 *   <li>Pods are deleted in one place only, {@link #deleteUnhealthyPod}: a graceful DELETE of a not-Ready pod under
 *       the opt-in {@code policy.unhealthyPodEviction}, with UID and resourceVersion preconditions; never forced.
 * </ul>
 *
 * Every call goes through an {@link ApiGuard}: a circuit breaker that turns an API failing again and again
 * into a PERMANENT failure (the engine freezes with API_UNAVAILABLE), bounded jittered retries of reads, and
 * a bounded re-read-and-retry of node writes answered 409 Conflict.
 *
 * <p>Failures are {@link ClusterException}s typed by {@link KubeErrors}. The caller owns the client: {@link
 * #close()} stops the pod watches this instance started, not the client.
 */
public final class KubernetesCluster implements Cluster, AutoCloseable {

  /** How often a taint update is retried after a 409 before it is reported RETRYABLE. */
  static final int MAX_CONFLICT_RETRIES = 5;

  /** Page size for LIST calls: bounded responses on large clusters. */
  static final long PAGE_SIZE = 500;

  /** Upper bound on pages followed in one LIST (500 × 1,000 = 500k objects). */
  static final int MAX_PAGES = 1_000;

  private final KubernetesClient client;
  private final ApiGuard guard;
  private final Set<InformerPodWatch> watches = ConcurrentHashMap.newKeySet();

  /** With the system clock for backoff (the CLI against a real cluster). */
  public KubernetesCluster(KubernetesClient client) {
    this(client, new ApiGuard(dev.rotator.core.SystemClock.INSTANCE));
  }

  /** Backing off on {@code clock} (the simulator's scaled clock, a test's manual clock). */
  public KubernetesCluster(KubernetesClient client, dev.rotator.core.port.Clock clock) {
    this(client, new ApiGuard(clock));
  }

  public KubernetesCluster(KubernetesClient client, ApiGuard guard) {
    this.client = client;
    this.guard = guard;
  }

  /** The circuit breaker and retry policy of this adapter. */
  public ApiGuard guard() {
    return guard;
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public List<NodeInfo> nodes() {
    return listAll("list nodes", opts -> client.nodes().list(opts)).stream()
        .map(KubeModel::toNodeInfo)
        .toList();
  }

  @Override
  public Optional<NodeInfo> node(String name) {
    return guard.read("get node " + name, () -> {
      try {
        Node n = client.nodes().withName(name).get();
        return Optional.ofNullable(n).map(KubeModel::toNodeInfo);
      } catch (RuntimeException e) {
        throw KubeErrors.map("get node " + name, e);
      }
    });
  }

  @Override
  public List<PodInfo> podsOnNode(String nodeName) {
    return listAll(
            "list pods on node " + nodeName,
            opts -> client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).list(opts))
        .stream()
        .map(KubeModel::toPodInfo)
        .toList();
  }

  /** A namespaced LIST with the selector's labels and expressions (a selector that matches nothing lists nothing). */
  @Override
  public List<PodInfo> podsSelectedBy(String namespace, LabelSelector selector) {
    var b = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().withMatchLabels(selector.matchLabels());
    for (LabelSelector.Requirement r : selector.matchExpressions()) {
      if (("In".equals(r.operator()) && r.values().isEmpty()) || !Set.of("In", "NotIn", "Exists", "DoesNotExist").contains(r.operator())) {
        return List.of(); // a null PDB selector (KubeModel), or an operator we do not know: selects nothing
      }
      b.addNewMatchExpression().withKey(r.key()).withOperator(r.operator()).withValues(r.values()).endMatchExpression();
    }
    io.fabric8.kubernetes.api.model.LabelSelector fabric = b.build();
    return listAll(
            "list pods of " + namespace + " matching " + selector,
            opts -> client.pods().inNamespace(namespace).withLabelSelector(fabric).list(opts))
        .stream()
        .map(KubeModel::toPodInfo)
        .toList();
  }

  @Override
  public List<PodInfo> pendingPods() {
    return listAll(
            "list pending pods",
            opts -> client.pods().inAnyNamespace().withField("status.phase", "Pending").list(opts))
        .stream()
        .map(KubeModel::toPodInfo)
        .toList();
  }

  @Override
  public List<PdbInfo> pdbs() {
    return listAll(
            "list PodDisruptionBudgets",
            opts -> client.policy().v1().podDisruptionBudget().inAnyNamespace().list(opts))
        .stream()
        .map(KubeModel::toPdbInfo)
        .toList();
  }

  @Override
  public void cordon(String nodeName) {
    setUnschedulable(nodeName, "true");
  }

  @Override
  public void uncordon(String nodeName) {
    // null removes the field, as kubectl uncordon does (false is the default).
    setUnschedulable(nodeName, "null");
  }

  private void setUnschedulable(String nodeName, String value) {
    String what = ("true".equals(value) ? "cordon" : "uncordon") + " node " + nodeName;
    for (int attempt = 1; ; attempt++) {
      try {
        guard.call(what, () -> {
          try {
            return client
                .nodes()
                .withName(nodeName)
                .patch(
                    PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"unschedulable\":" + value + "}}");
          } catch (RuntimeException e) {
            throw KubeErrors.map(what, e);
          }
        });
        return;
      } catch (ClusterException e) {
        // A 409 on a merge patch: someone wrote the node meanwhile. Re-read (it may be gone) and patch again.
        if (!isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) {
          throw e;
        }
        guard.backoff(attempt);
        if (node(nodeName).isEmpty()) {
          throw new ClusterException(Kind.NOT_FOUND, what + ": node " + nodeName + " not found");
        }
      }
    }
  }

  private static boolean isConflict(ClusterException e) {
    return e.getCause() instanceof KubernetesClientException kce && kce.getCode() == 409;
  }

  @Override
  public void addTaint(String nodeName, Taint taint) {
    updateNode(
        "add taint " + taint.key() + ":" + taint.effect() + " to node " + nodeName,
        nodeName,
        node -> {
          List<io.fabric8.kubernetes.api.model.Taint> taints = currentTaints(node);
          boolean present =
              taints.stream()
                  .anyMatch(t -> taint.key().equals(t.getKey()) && taint.effect().equals(t.getEffect()));
          if (present) {
            return false;
          }
          taints.add(
              new TaintBuilder()
                  .withKey(taint.key())
                  .withValue(taint.value().isEmpty() ? null : taint.value())
                  .withEffect(taint.effect())
                  .build());
          node.getSpec().setTaints(taints);
          return true;
        });
  }

  @Override
  public void removeTaint(String nodeName, String key) {
    updateNode(
        "remove taint " + key + " from node " + nodeName,
        nodeName,
        node -> {
          List<io.fabric8.kubernetes.api.model.Taint> taints = currentTaints(node);
          if (!taints.removeIf(t -> key.equals(t.getKey()))) {
            return false;
          }
          node.getSpec().setTaints(taints);
          return true;
        });
  }

  @Override
  public void annotateNode(String nodeName, String key, String value) {
    updateNode(
        (value == null ? "remove annotation " : "set annotation ") + key + " on node " + nodeName,
        nodeName,
        node -> {
          java.util.Map<String, String> a =
              node.getMetadata().getAnnotations() == null
                  ? new java.util.HashMap<>()
                  : new java.util.HashMap<>(node.getMetadata().getAnnotations());
          String before = a.get(key);
          if (java.util.Objects.equals(before, value)) {
            return false;
          }
          if (value == null) {
            a.remove(key);
          } else {
            a.put(key, value);
          }
          node.getMetadata().setAnnotations(a);
          return true;
        });
  }

  private static List<io.fabric8.kubernetes.api.model.Taint> currentTaints(Node node) {
    if (node.getSpec() == null) {
      node.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
    }
    return node.getSpec().getTaints() == null ? new ArrayList<>() : new ArrayList<>(node.getSpec().getTaints());
  }

  /** Read, change, PUT with the read resourceVersion; a 409 means someone else wrote: read again. */
  private void updateNode(String what, String nodeName, Function<Node, Boolean> change) {
    KubernetesClientException lastConflict = null;
    for (int attempt = 1; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
      if (attempt > 1) {
        guard.backoff(attempt - 1);
      }
      Node node = guard.read(what, () -> {
        try {
          return client.nodes().withName(nodeName).get();
        } catch (RuntimeException e) {
          throw KubeErrors.map(what, e);
        }
      });
      if (node == null) {
        throw new ClusterException(Kind.NOT_FOUND, what + ": node " + nodeName + " not found");
      }
      if (!change.apply(node)) {
        return;
      }
      try {
        // update() keeps the resourceVersion that was read: optimistic locking, a 409 on a lost race.
        guard.call(what, () -> {
          try {
            return client.nodes().resource(node).update();
          } catch (RuntimeException e) {
            throw KubeErrors.map(what, e);
          }
        });
        return;
      } catch (ClusterException e) {
        if (!isConflict(e)) {
          throw e;
        }
        lastConflict = (KubernetesClientException) e.getCause();
      }
    }
    throw new ClusterException(
        Kind.RETRYABLE,
        what + ": still conflicting after " + MAX_CONFLICT_RETRIES + " attempts",
        lastConflict);
  }

  /**
   * POSTs a policy/v1 Eviction for the pod.
   *
   * <p>Not through {@code PodResource.evict(Eviction)}: fabric8 7.8 turns a 429 into {@code false} and
   * drops the Status body, and the body is where the API server names the blocking PodDisruptionBudget
   * ("The disruption budget NAME needs ..."), which the freeze evidence must show. The request goes
   * through the client's own HTTP client, so authentication, User-Agent, timeouts and the disabled
   * internal retries all apply as for any other call.
   *
   * <p>200/201 → EVICTED, 404 → GONE, 429 → BLOCKED with PDB names and Retry-After, 401/403 → a PERMANENT
   * {@link ClusterException} (missing RBAC for {@code pods/eviction} cannot fix itself by retrying), any
   * other answer or a transport failure → FAILED with the message (the engine backs off and retries).
   */
  @Override
  public EvictionResult evict(PodRef pod) {
    Eviction eviction =
        new EvictionBuilder()
            .withNewMetadata()
            .withName(pod.name())
            .withNamespace(pod.namespace())
            .endMetadata()
            .withDeleteOptions(new DeleteOptions())
            .build();
    String url =
        URLUtils.join(
            client.getMasterUrl().toString(),
            "api",
            "v1",
            "namespaces",
            pod.namespace(),
            "pods",
            pod.name(),
            "eviction");
    guard.checkPermitted("evict pod " + pod);
    long timeoutMs = client.getConfiguration().getRequestTimeout();
    HttpRequest request =
        client
            .getHttpClient()
            .newHttpRequestBuilder()
            .uri(url)
            .post("application/json", client.getKubernetesSerialization().asJson(eviction))
            .timeout(timeoutMs, TimeUnit.MILLISECONDS)
            .build();
    HttpResponse<String> response;
    try {
      // The request carries its own timeout; the outer bound only guards against a lost completion.
      response =
          client.getHttpClient().sendAsync(request, String.class).get(timeoutMs * 2, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return EvictionResult.failed("eviction of " + pod + " interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      guard.recordFailure("evict pod " + pod, String.valueOf(cause));
      return EvictionResult.failed("eviction of " + pod + " failed: " + cause);
    } catch (TimeoutException e) {
      guard.recordFailure("evict pod " + pod, "no answer within " + (timeoutMs * 2) + " ms");
      return EvictionResult.failed("eviction of " + pod + ": no answer within " + (timeoutMs * 2) + " ms");
    }
    int code = response.code();
    if (code >= 500 || code == 408) {
      guard.recordFailure("evict pod " + pod, "HTTP " + code);
    } else {
      // 2xx, 404, and 429 from a PDB (the API answered; the budget said no) are answers, not API failures.
      guard.recordSuccess();
    }
    if (code == 401 || code == 403) {
      throw new ClusterException(
          Kind.PERMANENT,
          "evict pod " + pod + ": HTTP " + code + " " + abbreviate(response.body())
              + " (rotator needs 'create' on pods/eviction)");
    }
    return EvictionAnswers.interpret(
        pod, code, response.body(), response.header("Retry-After"), client.getKubernetesSerialization());
  }

  @Override
  public void deleteNode(String nodeName) {
    guard.call("delete node " + nodeName, () -> {
      try {
        // fabric8 answers a 404 on delete with an empty list rather than an exception: gone is success.
        client.nodes().withName(nodeName).delete();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return null;
        }
        throw KubeErrors.map("delete node " + nodeName, e);
      } catch (RuntimeException e) {
        throw KubeErrors.map("delete node " + nodeName, e);
      }
      return null;
    });
  }

  /**
   * Re-reads the pod and, if it is still not Ready, DELETEs it with the pod's own grace period and a UID and
   * resourceVersion precondition, so a pod recreated under the same name (a StatefulSet's) or one that became
   * Ready since is never hit: the API answers 409 and this throws RETRYABLE. Never {@code gracePeriodSeconds=0},
   * never {@code --force}. Gone (before or during) = success.
   */
  @Override
  public void deleteUnhealthyPod(PodRef pod, String reason) {
    String what = "delete not-Ready pod " + pod;
    io.fabric8.kubernetes.api.model.Pod live = guard.read("get pod " + pod, () -> {
      try {
        return client.pods().inNamespace(pod.namespace()).withName(pod.name()).get();
      } catch (RuntimeException e) {
        throw KubeErrors.map("get pod " + pod, e);
      }
    });
    if (live == null) {
      return;
    }
    if (KubeModel.toPodInfo(live).ready()) {
      throw new ClusterException(Kind.RETRYABLE, what + ": the pod is Ready again, not deleted");
    }
    DeleteOptions options = new DeleteOptions();
    options.setPreconditions(new io.fabric8.kubernetes.api.model.Preconditions(
        live.getMetadata().getResourceVersion(), live.getMetadata().getUid()));
    String url = URLUtils.join(client.getMasterUrl().toString(), "api", "v1", "namespaces", pod.namespace(), "pods",
        pod.name());
    guard.checkPermitted(what);
    long timeoutMs = client.getConfiguration().getRequestTimeout();
    HttpRequest request = client.getHttpClient().newHttpRequestBuilder()
        .uri(url)
        .delete("application/json", client.getKubernetesSerialization().asJson(options))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .build();
    HttpResponse<String> response;
    try {
      response = client.getHttpClient().sendAsync(request, String.class).get(timeoutMs * 2, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException(Kind.RETRYABLE, what + ": interrupted");
    } catch (ExecutionException | TimeoutException e) {
      guard.recordFailure(what, String.valueOf(e));
      throw new ClusterException(Kind.RETRYABLE, what + ": " + e, e);
    }
    int code = response.code();
    if (code >= 500 || code == 408) {
      guard.recordFailure(what, "HTTP " + code);
    } else {
      guard.recordSuccess();
    }
    if (code / 100 == 2 || code == 404) {
      return;
    }
    Kind kind = code == 401 || code == 403 || code == 400 || code == 422 ? Kind.PERMANENT : Kind.RETRYABLE;
    throw new ClusterException(kind, what + " (" + reason + "): HTTP " + code + " " + abbreviate(response.body())
        + (kind == Kind.PERMANENT ? " (policy.unhealthyPodEviction needs 'delete' on pods)" : ""));
  }

  @Override
  public PodWatch watchPodsOnNode(String nodeName) {
    try {
      InformerPodWatch w = new InformerPodWatch(client, nodeName, watches::remove);
      watches.add(w);
      return w;
    } catch (RuntimeException e) {
      throw KubeErrors.map("watch pods on node " + nodeName, e);
    }
  }

  /** Pod watches still open (for tests and diagnostics). */
  int openWatches() {
    return watches.size();
  }

  @Override
  public void close() {
    for (InformerPodWatch w : List.copyOf(watches)) {
      w.close();
    }
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> List<T> listAll(
      String what, Function<ListOptions, ? extends KubernetesResourceList<T>> lister) {
    List<T> all = new ArrayList<>();
    String cont = null;
    for (int page = 0; page < MAX_PAGES; page++) {
      ListOptions opts = new ListOptionsBuilder().withLimit(PAGE_SIZE).withContinue(cont).build();
      KubernetesResourceList<T> list = guard.read(what, () -> {
        try {
          return lister.apply(opts);
        } catch (RuntimeException e) {
          throw KubeErrors.map(what, e);
        }
      });
      all.addAll(list.getItems());
      cont = list.getMetadata() == null ? null : list.getMetadata().getContinue();
      if (cont == null || cont.isEmpty()) {
        return all;
      }
    }
    throw new ClusterException(
        Kind.PERMANENT, what + ": more than " + (PAGE_SIZE * MAX_PAGES) + " objects, refusing to go on");
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    String b = s.strip();
    return b.length() > 300 ? b.substring(0, 300) + "..." : b;
  }
}

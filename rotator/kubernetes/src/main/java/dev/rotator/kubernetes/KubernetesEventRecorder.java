package dev.rotator.kubernetes;

import dev.rotator.core.engine.EngineListener;
import dev.rotator.core.engine.NodeProgress;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.Notifier;
import dev.rotator.core.port.RotationEvent;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What rotator did, as core/v1 Events: on the Node for each step (so {@code kubectl describe node} shows it),
 * and on the state ConfigMap (the rotation object, {@code rotator-system/rotator-state}) for each run's start,
 * end, freeze and error ({@code kubectl get events -n rotator-system}).
 *
 * <p>Node Events go to namespace {@value #NODE_EVENT_NAMESPACE}: the API server accepts Events about
 * cluster-scoped objects only there (or in kube-system), which is where the kubelet writes its own. Their
 * {@code involvedObject.uid} is the node's name, as the kubelet's, which is what {@code kubectl describe node}
 * searches for.
 *
 * <p>Events are for humans: one that cannot be created is logged and counted ({@link #failures()}), never
 * thrown, so the rotation goes on. A refused eviction is reported once per pod and node, not every retry.
 */
public final class KubernetesEventRecorder implements EngineListener, Notifier {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesEventRecorder.class);
  /** reportingComponent of every Event. */
  public static final String CONTROLLER = "rotator.dev/rotator";
  public static final String NODE_EVENT_NAMESPACE = "default";
  /** The API server refuses longer messages. */
  static final int MAX_MESSAGE = 1024;
  private static final DateTimeFormatter RFC3339 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final KubernetesClient client;
  private final Clock clock;
  private final String stateNamespace;
  private final String stateConfigMap;
  private final String instance;
  private final AtomicLong failures = new AtomicLong();
  private final Set<String> blockedReported = ConcurrentHashMap.newKeySet();
  private final SecureRandom random = new SecureRandom();

  /**
   * @param instance reportingInstance: who is reporting (the pod name, or the host)
   */
  public KubernetesEventRecorder(KubernetesClient client, Clock clock, String stateNamespace, String stateConfigMap,
      String instance) {
    this.client = Objects.requireNonNull(client, "client");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.stateNamespace = Objects.requireNonNull(stateNamespace, "stateNamespace");
    this.stateConfigMap = Objects.requireNonNull(stateConfigMap, "stateConfigMap");
    this.instance = Objects.requireNonNull(instance, "instance");
  }

  /** Events that could not be created since this recorder was built. */
  public long failures() {
    return failures.get();
  }

  // ---- steps, on the Node

  @Override
  public void onTransition(NodeProgress n) {
    String reason;
    String action;
    boolean warning = false;
    switch (n.state()) {
      case CORDONED -> {
        reason = "RotatorCordoned";
        action = "Cordon";
      }
      case DRAINED -> {
        reason = "RotatorDrained";
        action = "Drain";
      }
      case DELETED -> {
        reason = "RotatorNodeDeleted";
        action = "DeleteNode";
      }
      case TERMINATED -> {
        reason = "RotatorInstanceTerminated";
        action = "TerminateInstance";
      }
      case DONE -> {
        reason = "RotatorNodeReplaced";
        action = "AwaitReplacement";
      }
      case FAILED -> {
        reason = "RotatorNodeFailed";
        action = "Rotate";
        warning = true;
      }
      default -> {
        return;
      }
    }
    String detail = n.detail().isEmpty() ? n.state().name().toLowerCase(Locale.ROOT) : n.detail();
    String where = n.instanceId().isEmpty() ? "" : " (instance " + n.instanceId()
        + (n.group().isEmpty() ? "" : " in " + n.group()) + ")";
    record(nodeRef(n.node()), NODE_EVENT_NAMESPACE, warning, reason, action, "rotator: " + detail + where);
  }

  @Override
  public void onEviction(String node, PodRef pod, EvictionResult result) {
    if (result.outcome() != EvictionResult.Outcome.BLOCKED || !blockedReported.add(node + " " + pod)) {
      return;
    }
    String by = result.blockingPdbs().isEmpty() ? "a PodDisruptionBudget" : "PDB " + String.join(", ", result.blockingPdbs());
    record(nodeRef(node), NODE_EVENT_NAMESPACE, true, "RotatorEvictionBlocked", "Drain",
        "rotator: eviction of " + pod + " refused by " + by + "; retrying with backoff until the drain timeout");
  }

  // ---- runs, on the state ConfigMap (and the node a freeze names)

  @Override
  public void notify(RotationEvent e) {
    String reason;
    String action;
    boolean warning;
    switch (e.type()) {
      case STARTED -> {
        reason = "RotatorRunStarted";
        action = "Run";
        warning = false;
      }
      case FINISHED -> {
        reason = "RotatorRunFinished";
        action = "Run";
        warning = false;
      }
      case FROZEN -> {
        reason = "RotatorFrozen";
        action = "Freeze";
        warning = true;
      }
      case ERROR -> {
        reason = "RotatorError";
        action = "Run";
        warning = true;
      }
      default -> {
        // NODE_DONE: the node's own RotatorNodeReplaced says it.
        return;
      }
    }
    String message = "run " + e.runId() + ": " + e.message()
        + (e.reason().isEmpty() ? "" : " [" + e.reason() + "]")
        + (e.evidence().isEmpty() ? "" : " evidence: " + String.join("; ", e.evidence()));
    record(stateRef(), stateNamespace, warning, reason, action, message);
    if (!e.node().isEmpty() && e.type() == RotationEvent.Type.FROZEN) {
      record(nodeRef(e.node()), NODE_EVENT_NAMESPACE, true, reason, action, message);
    }
  }

  /**
   * A mode change made by a person outside a run ({@code rotator freeze}/{@code resume}): RotatorFrozen (Warning)
   * or RotatorResumed (Normal) on the state ConfigMap, naming who and why.
   */
  public void modeChanged(dev.rotator.core.port.ModeState state) {
    String message = "mode " + state.mode() + " set by " + state.by()
        + (state.frozen() ? " [" + state.reason() + "]: " + state.message() : "");
    record(stateRef(), stateNamespace, state.frozen(), state.frozen() ? "RotatorFrozen" : "RotatorResumed",
        state.frozen() ? "Freeze" : "Resume", message);
  }

  // ---- internals

  private ObjectReference nodeRef(String node) {
    return new ObjectReferenceBuilder().withApiVersion("v1").withKind("Node").withName(node).withUid(node).build();
  }

  private ObjectReference stateRef() {
    return new ObjectReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withNamespace(stateNamespace)
        .withName(stateConfigMap).build();
  }

  private void record(ObjectReference about, String namespace, boolean warning, String reason, String action,
      String message) {
    try {
      Instant now = clock.now();
      String time = RFC3339.format(now);
      Event event = new EventBuilder()
          .withNewMetadata()
          .withNamespace(namespace)
          // As client-go's recorder names them: <object>.<unique suffix>.
          .withName(about.getName() + "." + Long.toHexString(now.toEpochMilli()) + Integer.toHexString(random.nextInt()))
          .endMetadata()
          .withInvolvedObject(about)
          .withReason(reason)
          .withAction(action)
          .withMessage(message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message)
          .withType(warning ? "Warning" : "Normal")
          .withFirstTimestamp(time)
          .withLastTimestamp(time)
          .withCount(1)
          .withNewSource().withComponent("rotator").endSource()
          .withReportingComponent(CONTROLLER)
          .withReportingInstance(instance)
          .build();
      client.v1().events().inNamespace(namespace).resource(event).create();
    } catch (RuntimeException ex) {
      failures.incrementAndGet();
      LOG.warn("could not create Event {} about {} {} (the rotation goes on): {}", reason, about.getKind(),
          about.getName(), ex instanceof KubernetesClientException kce ? KubeErrors.describe(kce) : ex.toString());
    }
  }
}

package dev.rotator.kubernetes;

import dev.rotator.core.model.PodInfo;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.ClusterException.Kind;
import dev.rotator.core.port.PodWatch;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods bound to one node, kept current by a fabric8 informer ({@code spec.nodeName} field selector).
 * The informer re-lists and re-watches by itself when the watch breaks or its resourceVersion expires, so
 * waiting for evicted pods to go costs one watch per draining node instead of a GET per pod per poll.
 *
 * <p>It keeps retrying after transient errors; an error retrying cannot fix (401/403, a response it
 * cannot decode) stops the informer, and {@link #synced()} and {@link #pods()} then throw a PERMANENT
 * {@link ClusterException} rather than serving a frozen view.
 */
final class InformerPodWatch implements PodWatch {
  private static final Logger log = LoggerFactory.getLogger(InformerPodWatch.class);

  private final String nodeName;
  private final SharedIndexInformer<Pod> informer;
  private final AtomicReference<Throwable> fatal = new AtomicReference<>();
  private final Consumer<InformerPodWatch> onClose;
  private volatile boolean closed;

  InformerPodWatch(KubernetesClient client, String nodeName, Consumer<InformerPodWatch> onClose) {
    this.nodeName = nodeName;
    this.onClose = onClose;
    this.informer =
        client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).runnableInformer(0);
    informer.exceptionHandler(this::retryAfter);
    // start() is asynchronous: synced() stays false until the first LIST has landed.
    informer.start();
  }

  private boolean retryAfter(boolean started, Throwable t) {
    if (closed) {
      return false;
    }
    boolean permanent = ExceptionHandler.isDeserializationException(t);
    // List failures arrive wrapped (CompletionException); the HTTP code is on the fabric8 exception inside.
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof KubernetesClientException kce) {
        permanent |= KubeErrors.kindOf(kce.getCode()) == Kind.PERMANENT;
        break;
      }
    }
    if (permanent) {
      fatal.set(t);
      // Not logged as an error here: the caller gets it as a ClusterException from synced()/pods().
      log.debug("pod watch on node {} stopped: {}", nodeName, t.toString());
      return false;
    }
    log.debug("pod watch on node {} failed, informer will re-list: {}", nodeName, t.toString());
    return true;
  }

  @Override
  public List<PodInfo> pods() {
    throwIfStopped();
    return informer.getStore().list().stream().map(KubeModel::toPodInfo).toList();
  }

  /** A stopped informer must not pass for a node that is still syncing, or for an empty one. */
  private void throwIfStopped() {
    Throwable t = fatal.get();
    if (t != null) {
      throw new ClusterException(
          Kind.PERMANENT, "watch of pods on node " + nodeName + " stopped: " + t.getMessage(), t);
    }
  }

  /**
   * The initial LIST has landed <em>and</em> the watch is open. Waiting for the watch too closes the
   * window between LIST and WATCH: an API server replays that window's events from the listed
   * resourceVersion, but a test or simulated server without event history would lose a deletion made in
   * it and the view would keep a gone pod forever. It reads false again while the informer re-watches,
   * which only makes a caller wait.
   *
   * @throws ClusterException PERMANENT once the informer stopped on an error retrying cannot fix, so the
   *     caller freezes instead of waiting for a sync that will never come
   */
  @Override
  public boolean synced() {
    throwIfStopped();
    return informer.hasSynced() && informer.isWatching();
  }

  String nodeName() {
    return nodeName;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      informer.close();
      onClose.accept(this);
    }
  }
}

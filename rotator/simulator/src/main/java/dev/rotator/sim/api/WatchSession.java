package dev.rotator.sim.api;

import dev.rotator.sim.store.ResourceType;
import dev.rotator.sim.store.StoreEvent;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * One watch: frames are queued under the store's lock in commit order and written to the WebSocket by
 * the {@link WatchHub}'s sender thread (never while holding the lock: a blocked write must not stall the
 * cluster). Frames queued before the socket opens are kept and sent once it does.
 */
final class WatchSession extends WebSocketListener {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** A frame: a watch event type and the object, serialized only when sent. */
  private record Frame(String type, HasMetadata object, String raw) {
    String json() {
      return raw != null ? raw : "{\"type\":\"" + type + "\",\"object\":" + JSON.asJson(object) + "}";
    }
  }

  final ResourceType type;
  private final String namespace;
  private final Predicate<HasMetadata> filter;
  private final WatchHub hub;
  private final ConcurrentLinkedQueue<Frame> outbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile WebSocket socket;
  private volatile boolean closed;
  private volatile boolean closeWhenFlushed;

  WatchSession(WatchHub hub, ResourceType type, String namespace, Predicate<HasMetadata> filter) {
    this.hub = hub;
    this.type = type;
    this.namespace = namespace;
    this.filter = filter;
  }

  boolean inScope(HasMetadata o) {
    return namespace == null || !type.namespaced() || namespace.equals(o.getMetadata().getNamespace());
  }

  boolean matches(HasMetadata o) {
    return inScope(o) && filter.test(o);
  }

  /** Initial state: a synthetic ADDED per existing object. */
  void added(HasMetadata o) {
    outbox.add(new Frame("ADDED", o, null));
  }

  /** Translates a store event through this watch's filter (an object leaving the selection is DELETED). */
  boolean offer(StoreEvent e) {
    if (e.resource() != type) {
      return false;
    }
    boolean was = e.old() != null && matches(e.old());
    boolean is = e.type() != StoreEvent.Type.DELETED && matches(e.object());
    String t;
    if (e.type() == StoreEvent.Type.DELETED) {
      t = was ? "DELETED" : null;
    } else if (was && is) {
      t = "MODIFIED";
    } else if (was) {
      t = "DELETED";
    } else if (is) {
      t = "ADDED";
    } else {
      t = null;
    }
    if (t == null) {
      return false;
    }
    outbox.add(new Frame(t, e.object(), null));
    return true;
  }

  /** An ERROR frame (410 Gone for a resourceVersion too old) after which the watch ends. */
  void expire(String message) {
    String status =
        ApiException.status("Failure", 410, "Expired", message, null, null, java.util.List.of());
    outbox.add(new Frame("ERROR", null, "{\"type\":\"ERROR\",\"object\":" + status + "}"));
    closeWhenFlushed = true;
  }

  boolean closeWhenFlushed() {
    return closeWhenFlushed;
  }

  /** Asks the hub to flush, once per burst. */
  void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      hub.wake(this);
    }
  }

  /** Sends everything queued; runs on the hub's sender thread only. */
  void flush() {
    scheduled.set(false);
    WebSocket ws = socket;
    if (ws == null || closed) {
      return;
    }
    Frame f;
    while ((f = outbox.poll()) != null) {
      if (!ws.send(f.json())) {
        close();
        return;
      }
    }
    if (closeWhenFlushed) {
      ws.close(1000, "watch expired");
      close();
    }
  }

  /** All queued frames, newline separated, for a client that did not upgrade to a WebSocket. */
  String drain() {
    StringBuilder b = new StringBuilder();
    Frame f;
    while ((f = outbox.poll()) != null) {
      b.append(f.json()).append('\n');
    }
    return b.toString();
  }

  void close() {
    if (!closed) {
      closed = true;
      hub.remove(this);
      outbox.clear();
    }
  }

  void closeSocket() {
    WebSocket ws = socket;
    if (ws != null) {
      ws.close(1000, "server shutting down");
    }
    close();
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    socket = webSocket;
    schedule();
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    close();
    webSocket.close(code, reason);
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    close();
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable error, Response response) {
    close();
  }
}

package dev.rotator.sim.api;

import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceType;
import dev.rotator.sim.store.StoreEvent;
import dev.rotator.sim.store.StoreListener;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * All open watches. Registration and event fan-out happen under the store's lock (so a watch starts at an
 * exact resourceVersion and misses nothing); socket writes happen on one sender thread.
 *
 * <p>A watch without {@code resourceVersion} (or with "0") starts with a synthetic ADDED per existing object;
 * with a resourceVersion it replays the retained history after it, or ends at once with a 410 Expired error
 * when that version is older than the history, as a real server's watch cache does.
 */
final class WatchHub implements StoreListener, AutoCloseable {
  private final ClusterStore store;
  private final List<WatchSession> sessions = new ArrayList<>();
  private final LinkedBlockingQueue<WatchSession> ready = new LinkedBlockingQueue<>();
  private final Thread sender;
  private volatile boolean closed;

  WatchHub(ClusterStore store) {
    this.store = store;
    this.sender = new Thread(this::sendLoop, "sim-watch-sender");
    this.sender.setDaemon(true);
    this.sender.start();
  }

  WatchSession open(ResourceType type, String namespace, Predicate<HasMetadata> filter, String resourceVersion) {
    long since;
    if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.equals("0")) {
      since = -1;
    } else {
      try {
        since = Long.parseLong(resourceVersion);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid resourceVersion: " + resourceVersion);
      }
    }
    return store.read(
        () -> {
          WatchSession s = new WatchSession(this, type, namespace, filter);
          if (since < 0) {
            for (HasMetadata o : store.list(type, namespace)) {
              if (s.matches(o)) {
                s.added(o);
              }
            }
          } else {
            List<StoreEvent> events = store.eventsSince(since);
            if (events == null) {
              s.expire("too old resource version: " + since + " (" + store.resourceVersion() + ")");
              return s;
            }
            events.forEach(s::offer);
          }
          sessions.add(s);
          return s;
        });
  }

  @Override
  public void onEvent(StoreEvent e) {
    for (WatchSession s : sessions) {
      if (s.offer(e)) {
        s.schedule();
      }
    }
  }

  void wake(WatchSession s) {
    ready.offer(s);
  }

  void remove(WatchSession s) {
    store.read(() -> sessions.remove(s));
  }

  /** Closes every open watch stream from the server side (a fault: streams closed mid-way); returns how many. */
  int dropAll() {
    List<WatchSession> all = store.read(() -> List.copyOf(sessions));
    for (WatchSession s : all) {
      s.closeSocket();
    }
    return all.size();
  }

  int open() {
    return store.read(sessions::size);
  }

  private void sendLoop() {
    while (!closed) {
      try {
        WatchSession s = ready.poll(200, TimeUnit.MILLISECONDS);
        if (s != null) {
          s.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    sender.interrupt();
    for (WatchSession s : store.read(() -> List.copyOf(sessions))) {
      s.closeSocket();
    }
    try {
      sender.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

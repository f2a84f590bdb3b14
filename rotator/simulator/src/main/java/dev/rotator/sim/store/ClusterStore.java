package dev.rotator.sim.store;

import dev.rotator.core.port.Clock;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The simulated cluster's state: typed fabric8 objects indexed by kind, namespace and name, pods also by
 * {@code spec.nodeName}, one resourceVersion counter, and synchronous listeners.
 *
 * <p>Rules that keep it simple and fast:
 *
 * <ul>
 *   <li>One lock for everything (HTTP threads, the simulator tick, cloud callbacks). Critical sections are
 *       short; nothing blocks while holding it (watch frames are sent by another thread).
 *   <li>Stored objects are immutable: every change replaces the object with a changed copy, so events and
 *       readers can share references without copying.
 *   <li>Every resourceVersion increment is exactly one event, so the bounded history can replay a watch
 *       from any recent resourceVersion and knows when one is too old.
 * </ul>
 */
public final class ClusterStore {
  private static final int HISTORY_LIMIT = 20_000;
  private static final int MAX_DISPATCH_ROUNDS = 10_000;
  private static final String UNBOUND = "";

  private final ReentrantLock lock = new ReentrantLock();
  private final Clock clock;
  private final Map<ResourceType, TreeMap<String, HasMetadata>> objects = new HashMap<>();
  private final Map<String, Set<String>> podsByNode = new HashMap<>();
  private final List<StoreListener> listeners = new ArrayList<>();
  private final ArrayDeque<StoreEvent> pending = new ArrayDeque<>();
  private final ArrayDeque<StoreEvent> history = new ArrayDeque<>();
  private boolean dispatching;
  private boolean changedSinceBatch;
  private long resourceVersion;
  private long uidSeq;
  private Cause cause = Cause.API;

  public ClusterStore(Clock clock) {
    this.clock = clock;
    ResourceTypes.ALL.forEach(t -> objects.put(t, new TreeMap<>()));
  }

  public Clock clock() {
    return clock;
  }

  public static String key(String namespace, String name) {
    return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
  }

  public static String key(HasMetadata o) {
    return key(o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  /** RFC 3339 seconds, as the API server writes timestamps. */
  public static String timestamp(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  // ------------------------------------------------------------------ locking

  public <T> T read(Supplier<T> body) {
    lock.lock();
    try {
      return body.get();
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code body} under the lock with every change attributed to {@code why}. */
  public <T> T write(Cause why, Supplier<T> body) {
    lock.lock();
    Cause previous = cause;
    cause = why;
    try {
      T result = body.get();
      if (lock.getHoldCount() == 1) {
        finishBatch();
      }
      return result;
    } finally {
      cause = previous;
      lock.unlock();
    }
  }

  public void write(Cause why, Runnable body) {
    write(
        why,
        () -> {
          body.run();
          return null;
        });
  }

  public void addListener(StoreListener listener) {
    lock.lock();
    try {
      listeners.add(listener);
    } finally {
      lock.unlock();
    }
  }

  public void removeListener(StoreListener listener) {
    lock.lock();
    try {
      listeners.remove(listener);
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ reads

  public long resourceVersion() {
    return read(() -> resourceVersion);
  }

  @SuppressWarnings("unchecked")
  public <T extends HasMetadata> T get(ResourceType t, String namespace, String name) {
    return read(() -> (T) objects.get(t).get(key(t.namespaced() ? namespace : null, name)));
  }

  /** Objects of a type, in one namespace or all ({@code namespace} null), ordered by namespace/name. */
  public List<HasMetadata> list(ResourceType t, String namespace) {
    return read(
        () -> {
          TreeMap<String, HasMetadata> m = objects.get(t);
          if (namespace == null || !t.namespaced()) {
            return new ArrayList<>(m.values());
          }
          String from = namespace + "/";
          return new ArrayList<>(m.subMap(from, true, namespace + "0", false).values());
        });
  }

  @SuppressWarnings("unchecked")
  public <T extends HasMetadata> List<T> list(ResourceType t, String namespace, Class<T> cls) {
    return (List<T>) list(t, namespace);
  }

  /** Pods whose {@code spec.nodeName} is {@code nodeName}; the empty name lists unbound pods. */
  public List<Pod> podsOnNode(String nodeName) {
    return read(
        () -> {
          Set<String> keys = podsByNode.getOrDefault(nodeName == null ? UNBOUND : nodeName, Set.of());
          List<Pod> out = new ArrayList<>(keys.size());
          TreeMap<String, HasMetadata> pods = objects.get(ResourceTypes.PODS);
          keys.forEach(k -> out.add((Pod) pods.get(k)));
          return out;
        });
  }

  public int count(ResourceType t) {
    return read(() -> objects.get(t).size());
  }

  /**
   * Events after {@code since}, oldest first, for resuming a watch; {@code null} when {@code since} is
   * older than the retained history (the client must list again: 410 Gone).
   */
  public List<StoreEvent> eventsSince(long since) {
    return read(
        () -> {
          if (since >= resourceVersion) {
            return List.of();
          }
          if (history.isEmpty() || history.peekFirst().resourceVersion() > since + 1) {
            return null;
          }
          List<StoreEvent> out = new ArrayList<>();
          Iterator<StoreEvent> it = history.descendingIterator();
          while (it.hasNext()) {
            StoreEvent e = it.next();
            if (e.resourceVersion() <= since) {
              break;
            }
            out.add(e);
          }
          Collections.reverse(out);
          return out;
        });
  }

  // ------------------------------------------------------------------ writes

  /**
   * Stores a new object (the store takes ownership of {@code obj}): assigns uid, creationTimestamp,
   * generation and resourceVersion.
   */
  public <T extends HasMetadata> T create(ResourceType t, T obj) {
    return write(
        cause,
        () -> {
          ObjectMeta m = obj.getMetadata();
          String k = key(t.namespaced() ? m.getNamespace() : null, m.getName());
          if (objects.get(t).containsKey(k)) {
            throw new StoreException(
                StoreException.Reason.ALREADY_EXISTS,
                t,
                m.getName(),
                t.qualifiedName() + " \"" + m.getName() + "\" already exists");
          }
          if (!t.namespaced()) {
            m.setNamespace(null);
          }
          uidSeq++;
          m.setUid(String.format("00000000-0000-4000-8000-%012x", uidSeq));
          m.setCreationTimestamp(timestamp(clock.now()));
          if (m.getGeneration() == null) {
            m.setGeneration(1L);
          }
          obj.setApiVersion(t.apiVersion());
          commit(StoreEvent.Type.ADDED, t, k, obj, null);
          return obj;
        });
  }

  /**
   * Replaces a stored object with {@code obj} (ownership passes to the store). With {@code
   * checkResourceVersion} a resourceVersion in {@code obj} that differs from the stored one is a
   * conflict. Identity fields (uid, creationTimestamp) are kept from the stored object. No change, no
   * event.
   */
  public <T extends HasMetadata> T replace(ResourceType t, T obj, boolean checkResourceVersion) {
    return write(
        cause,
        () -> {
          ObjectMeta m = obj.getMetadata();
          String k = key(t.namespaced() ? m.getNamespace() : null, m.getName());
          HasMetadata old = objects.get(t).get(k);
          if (old == null) {
            throw StoreException.notFound(t, m.getName());
          }
          String rv = m.getResourceVersion();
          if (checkResourceVersion && rv != null && !rv.isEmpty()
              && !rv.equals(old.getMetadata().getResourceVersion())) {
            throw StoreException.conflict(t, m.getName());
          }
          ObjectMeta om = old.getMetadata();
          m.setUid(om.getUid());
          m.setCreationTimestamp(om.getCreationTimestamp());
          m.setGeneration(om.getGeneration());
          m.setResourceVersion(om.getResourceVersion());
          if (!t.namespaced()) {
            m.setNamespace(null);
          }
          obj.setApiVersion(t.apiVersion());
          if (obj.equals(old)) {
            @SuppressWarnings("unchecked")
            T same = (T) old;
            return same;
          }
          commit(StoreEvent.Type.MODIFIED, t, k, obj, old);
          return obj;
        });
  }

  /**
   * Applies {@code change} to a copy of the stored object and stores it; returns the stored result (the
   * unchanged object when {@code change} changed nothing).
   */
  public <T extends HasMetadata> T modify(ResourceType t, String namespace, String name, Consumer<T> change) {
    return write(
        cause,
        () -> {
          T current = get(t, namespace, name);
          if (current == null) {
            throw StoreException.notFound(t, name);
          }
          T copy = Copies.copy(current);
          change.accept(copy);
          copy.getMetadata().setName(name);
          copy.getMetadata().setNamespace(current.getMetadata().getNamespace());
          return replace(t, copy, false);
        });
  }

  /** Removes an object at once; returns its last state. */
  public <T extends HasMetadata> T remove(ResourceType t, String namespace, String name) {
    return write(
        cause,
        () -> {
          String k = key(t.namespaced() ? namespace : null, name);
          @SuppressWarnings("unchecked")
          T old = (T) objects.get(t).get(k);
          if (old == null) {
            throw StoreException.notFound(t, name);
          }
          // The DELETED event carries the object with the final resourceVersion, as a real server sends it.
          T last = Copies.copy(old);
          commit(StoreEvent.Type.DELETED, t, k, last, old);
          return last;
        });
  }

  // ------------------------------------------------------------------ internals

  private void commit(StoreEvent.Type type, ResourceType t, String k, HasMetadata obj, HasMetadata old) {
    resourceVersion++;
    obj.getMetadata().setResourceVersion(Long.toString(resourceVersion));
    if (type == StoreEvent.Type.DELETED) {
      objects.get(t).remove(k);
    } else {
      objects.get(t).put(k, obj);
    }
    if (t == ResourceTypes.PODS) {
      reindexPod(k, (Pod) old, type == StoreEvent.Type.DELETED ? null : (Pod) obj);
    }
    StoreEvent e = new StoreEvent(type, t, obj, old, resourceVersion, cause);
    history.addLast(e);
    if (history.size() > HISTORY_LIMIT) {
      history.removeFirst();
    }
    pending.addLast(e);
    changedSinceBatch = true;
    dispatch();
  }

  private void reindexPod(String k, Pod old, Pod now) {
    String before = old == null ? null : nodeOf(old);
    String after = now == null ? null : nodeOf(now);
    if (Objects.equals(before, after)) {
      return;
    }
    if (before != null) {
      Set<String> s = podsByNode.get(before);
      s.remove(k);
      if (s.isEmpty()) {
        podsByNode.remove(before);
      }
    }
    if (after != null) {
      podsByNode.computeIfAbsent(after, n -> new TreeSet<>()).add(k);
    }
  }

  private static String nodeOf(Pod p) {
    String n = p.getSpec() == null ? null : p.getSpec().getNodeName();
    return n == null ? UNBOUND : n;
  }

  /**
   * Runs the listeners' batched work once the outermost write is done (one API request, one controller
   * tick), before the lock is released: readers never see it undone, and a tick that changes thousands of
   * pods recomputes each PDB once instead of thousands of times.
   */
  private void finishBatch() {
    for (int round = 0; changedSinceBatch; round++) {
      if (round > 100) {
        throw new IllegalStateException("store listeners keep changing the store after each batch; a listener loops");
      }
      changedSinceBatch = false;
      for (StoreListener l : List.copyOf(listeners)) {
        l.afterBatch();
      }
    }
  }

  /** Delivers queued events to every listener in order; re-entrant writes only enqueue. */
  private void dispatch() {
    if (dispatching) {
      return;
    }
    dispatching = true;
    try {
      for (int round = 0; ; round++) {
        if (round > MAX_DISPATCH_ROUNDS) {
          throw new IllegalStateException("store listeners keep producing changes; a listener loops");
        }
        StoreEvent e = pending.pollFirst();
        if (e == null) {
          return;
        }
        for (StoreListener l : List.copyOf(listeners)) {
          l.onEvent(e);
        }
      }
    } finally {
      pending.clear();
      dispatching = false;
    }
  }
}

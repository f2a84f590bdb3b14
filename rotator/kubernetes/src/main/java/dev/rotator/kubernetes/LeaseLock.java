package dev.rotator.kubernetes;

import dev.rotator.core.port.Clock;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.ClusterException.Kind;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rotator at a time: a {@code coordination.k8s.io/v1} Lease named {@value #NAME} in the state namespace.
 *
 * <ol>
 *   <li><b>Acquire</b> ({@link #tryAcquire()}, one attempt, never blocks): GET the Lease. Absent → create it
 *       holding it (409 AlreadyExists: someone created it first, read again). Held by another identity whose
 *       {@code renewTime + leaseDurationSeconds} is still in the future → {@link Attempt#acquired()} false,
 *       with the holder and until when. Expired, released (empty holder) or ours → take it over with a PUT
 *       carrying the resourceVersion that was read; a 409 means another contender won in between → held.
 *   <li><b>Renew</b> ({@link #renew()}, every {@link #renewInterval} on the heartbeat started by {@link
 *       #startHeartbeat()}): GET, check we still hold it, PUT a new renewTime with the read resourceVersion.
 *       Another holder found → lost at once. Failures are tolerated until the lease would expire.
 *   <li><b>Held</b> ({@link #held()}): acquired, not lost, and the last successful renewal plus the lease
 *       duration is still in the future by the injected clock. So a rotator that cannot reach the API stops
 *       calling itself the holder exactly when others may take the lease over.
 *   <li><b>Release</b> ({@link #close()}): stop the heartbeat; if we still hold it, clear holderIdentity (PUT
 *       with the read resourceVersion) so the next run need not wait for expiry.
 * </ol>
 *
 * <p>Why not fabric8's {@code LeaderElector}: it is a blocking loop with callbacks, has no "try once and
 * tell me who holds it" for exit code 4, and judges expiry on wall time; this class is the same protocol
 * (same Lease fields, so {@code kubectl get lease} reads the same) with the injected {@link Clock}.
 *
 * <p>Expiry is judged with the contender's clock against the holder's written renewTime, as Kubernetes'
 * own leader election does; clocks skewed by more than the renew slack (lease duration minus renew interval)
 * defeat it.
 */
public final class LeaseLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseLock.class);

  public static final String NAME = "rotator-lock";
  public static final Duration LEASE_DURATION = Duration.ofSeconds(60);
  public static final Duration RENEW_INTERVAL = Duration.ofSeconds(20);

  /** The outcome of one acquisition attempt; holder and heldUntil describe the lock's owner either way. */
  public record Attempt(boolean acquired, String holder, Instant heldUntil) {}

  private final KubernetesClient client;
  private final Clock clock;
  private final String namespace;
  private final String identity;
  private final Duration leaseDuration;
  private final Duration renewInterval;

  private final Object state = new Object();
  private boolean acquired;
  private Instant renewedAt;
  private String lostTo;
  private String lastRenewError;
  private ScheduledExecutorService heartbeat;

  public LeaseLock(KubernetesClient client, Clock clock, String namespace, String identity) {
    this(client, clock, namespace, identity, onScaledClock(clock, LEASE_DURATION), RENEW_INTERVAL);
  }

  /**
   * On a simulator's fast clock ({@code rotator sim serve}) a wall-time hiccup (a cold JIT, a GC pause, a
   * starved CPU) is multiplied by the scale, and 60 simulated seconds can be a fraction of a wall second: there
   * the lease is stretched to last at least 10 wall seconds. A real clock keeps {@code lease} as it is.
   */
  private static Duration onScaledClock(Clock clock, Duration lease) {
    Duration minWall = Duration.ofSeconds(10);
    if (clock instanceof dev.rotator.core.ScaledClock scaled && scaled.toWall(lease).compareTo(minWall) < 0) {
      return Duration.ofSeconds((long) Math.ceil(minWall.toSeconds() * scaled.scale()));
    }
    return lease;
  }

  public LeaseLock(KubernetesClient client, Clock clock, String namespace, String identity,
      Duration leaseDuration, Duration renewInterval) {
    this.client = Objects.requireNonNull(client, "client");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.identity = Objects.requireNonNull(identity, "identity");
    if (identity.isBlank()) {
      throw new IllegalArgumentException("identity must not be blank: an empty holder means released");
    }
    if (leaseDuration.toSeconds() < 1 || renewInterval.isNegative() || renewInterval.isZero()
        || renewInterval.compareTo(leaseDuration) >= 0) {
      throw new IllegalArgumentException("need 0 < renewInterval < leaseDuration (>= 1 s), got "
          + renewInterval + " / " + leaseDuration);
    }
    this.leaseDuration = leaseDuration;
    this.renewInterval = renewInterval;
  }

  /** {@code <POD_NAME or hostname>/<runId>}: who holds it, readable in {@code kubectl get lease}. */
  public static String identity(String runId) {
    String host = System.getenv("POD_NAME");
    if (host == null || host.isBlank()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        // The run id alone still makes the identity unique; the host is only for humans.
        host = "unknown-host";
      }
    }
    return host + "/" + runId;
  }

  public String identity() {
    return identity;
  }

  /** {@code namespace/name} of the Lease. */
  public String location() {
    return namespace + "/" + NAME;
  }

  /** One acquisition attempt; never waits. Throws {@link ClusterException} when the API cannot say. */
  public Attempt tryAcquire() {
    // Bounded: each retry follows a 409, i.e. another contender's successful write.
    for (int attempt = 0; attempt < 3; attempt++) {
      Lease lease = read();
      Instant now = clock.now();
      if (lease == null) {
        try {
          Lease created = client.leases().inNamespace(namespace).resource(newLease(now)).create();
          return won(created, now);
        } catch (KubernetesClientException e) {
          if (e.getCode() == 409) {
            continue;
          }
          throw writeFailure("create", e);
        } catch (RuntimeException e) {
          throw KubeErrors.map("create Lease " + location(), e);
        }
      }
      String holder = holderOf(lease);
      Instant until = expiryOf(lease);
      if (!holder.isEmpty() && !holder.equals(identity) && until != null && until.isAfter(now)) {
        return new Attempt(false, holder, until);
      }
      if (lease.getSpec() == null) {
        lease.setSpec(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec());
      }
      var spec = lease.getSpec();
      if (!holder.equals(identity)) {
        spec.setLeaseTransitions((spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions()) + 1);
        spec.setAcquireTime(micro(now));
      }
      spec.setHolderIdentity(identity);
      spec.setLeaseDurationSeconds((int) leaseDuration.toSeconds());
      spec.setRenewTime(micro(now));
      try {
        // The object as read: the PUT carries its resourceVersion, so two contenders cannot both win.
        Lease updated = client.leases().inNamespace(namespace).resource(lease).update();
        return won(updated, now);
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          continue;
        }
        throw writeFailure("take over", e);
      } catch (RuntimeException e) {
        throw KubeErrors.map("take over Lease " + location(), e);
      }
    }
    // Three lost races in a row: whoever won holds it now; report them.
    Lease lease = read();
    return lease == null
        ? new Attempt(false, "(unknown: the Lease keeps changing)", clock.now())
        : new Attempt(false, holderOf(lease), expiryOf(lease));
  }

  /**
   * Tries until acquired or {@code timeout} has passed on the injected clock, sleeping between attempts
   * until the holder's lease would expire (at most {@code retryEvery}); returns the last attempt.
   */
  public Attempt acquire(Duration timeout, Duration retryEvery) throws InterruptedException {
    Instant deadline = clock.now().plus(timeout);
    Attempt a = tryAcquire();
    // Bounded by the deadline, and by a count in case the clock does not move (a stuck test clock).
    for (int i = 0; i < 100_000 && !a.acquired(); i++) {
      Instant now = clock.now();
      if (!now.isBefore(deadline)) {
        return a;
      }
      Duration pause = retryEvery;
      if (a.heldUntil() != null && a.heldUntil().isAfter(now)) {
        pause = min(pause, Duration.between(now, a.heldUntil()).plusMillis(100));
      }
      clock.sleep(min(pause, Duration.between(now, deadline)));
      a = tryAcquire();
    }
    return a;
  }

  /**
   * One renewal. Returns {@link #held()} afterwards. A failed request keeps the lock until its lease
   * would expire; finding another holder loses it at once.
   */
  public boolean renew() {
    synchronized (state) {
      if (!acquired || lostTo != null) {
        return false;
      }
    }
    try {
      Lease lease = read();
      String holder = lease == null ? "" : holderOf(lease);
      if (!holder.equals(identity)) {
        lose(holder.isEmpty() ? "(nobody: the Lease was released or deleted)" : holder);
        return false;
      }
      Instant now = clock.now();
      lease.getSpec().setRenewTime(micro(now));
      client.leases().inNamespace(namespace).resource(lease).update();
      synchronized (state) {
        renewedAt = now;
        lastRenewError = null;
      }
    } catch (RuntimeException e) {
      // Includes a 409 (someone wrote in between): the next renewal re-reads and finds out who.
      synchronized (state) {
        lastRenewError = e instanceof KubernetesClientException kce ? KubeErrors.describe(kce) : e.toString();
      }
      LOG.warn("lock {}: renewal failed, still held until {}: {}", location(), heldUntil(), lastRenewError);
    }
    return held();
  }

  /** True while this rotator holds the lock and its lease has not run out. */
  public boolean held() {
    synchronized (state) {
      return acquired && lostTo == null && clock.now().isBefore(renewedAt.plus(leaseDuration));
    }
  }

  /** Until when the lease is ours without another renewal, or null if never acquired. */
  public Instant heldUntil() {
    synchronized (state) {
      return renewedAt == null ? null : renewedAt.plus(leaseDuration);
    }
  }

  /** Why {@link #held()} is false, for evidence: who took the lease, or that it ran out. */
  public String lostReason() {
    synchronized (state) {
      if (!acquired) {
        return "never acquired";
      }
      if (lostTo != null) {
        return "lost the " + NAME + " lease to " + lostTo;
      }
      if (!clock.now().isBefore(renewedAt.plus(leaseDuration))) {
        return "lost the " + NAME + " lease to expiry: not renewed since " + renewedAt
            + (lastRenewError == null ? "" : " (" + lastRenewError + ")");
      }
      return "held";
    }
  }

  /** Renews every {@code renewInterval} on a daemon thread (wall time: the lock's heartbeat). */
  public void startHeartbeat() {
    synchronized (state) {
      if (heartbeat != null) {
        return;
      }
      heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rotator-lock-heartbeat");
        t.setDaemon(true);
        return t;
      });
      // On a simulator's scaled clock the lease expires in simulated time: renew at the same simulated pace.
      long every = Math.max(1, clock instanceof dev.rotator.core.ScaledClock scaled
          ? scaled.toWall(renewInterval).toMillis() : renewInterval.toMillis());
      heartbeat.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** Stops the heartbeat and, if still held, releases the lease (holderIdentity cleared). */
  @Override
  public void close() {
    ScheduledExecutorService hb;
    boolean release;
    synchronized (state) {
      hb = heartbeat;
      heartbeat = null;
      release = acquired && lostTo == null;
      acquired = false;
    }
    if (hb != null) {
      hb.shutdownNow();
      try {
        // A renewal in flight must not write after the release.
        hb.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!release) {
      return;
    }
    try {
      Lease lease = read();
      if (lease == null || !identity.equals(holderOf(lease))) {
        return;
      }
      lease.getSpec().setHolderIdentity(null);
      lease.getSpec().setRenewTime(micro(clock.now()));
      client.leases().inNamespace(namespace).resource(lease).update();
    } catch (RuntimeException e) {
      // Closing must not hide the run's own outcome; the lease simply expires after its duration.
      LOG.warn("lock {}: release failed, it expires within {} s: {}", location(), leaseDuration.toSeconds(),
          e instanceof KubernetesClientException kce ? KubeErrors.describe(kce) : e.toString());
    }
  }

  // ---- internals

  private Attempt won(Lease lease, Instant now) {
    synchronized (state) {
      acquired = true;
      lostTo = null;
      renewedAt = now;
      lastRenewError = null;
    }
    return new Attempt(true, identity, now.plus(leaseDuration));
  }

  private void lose(String holder) {
    synchronized (state) {
      lostTo = holder;
    }
    LOG.warn("lock {}: lost to {}", location(), holder);
  }

  private Lease read() {
    try {
      return client.leases().inNamespace(namespace).withName(NAME).get();
    } catch (RuntimeException e) {
      throw KubeErrors.map("read Lease " + location(), e);
    }
  }

  private ClusterException writeFailure(String what, KubernetesClientException e) {
    if (e.getCode() == 404) {
      return new ClusterException(Kind.PERMANENT, what + " Lease " + location() + ": " + KubeErrors.describe(e)
          + " (does namespace " + namespace + " exist? deploy/ creates it)", e);
    }
    return KubeErrors.map(what + " Lease " + location(), e);
  }

  private Lease newLease(Instant now) {
    return new LeaseBuilder()
        .withNewMetadata().withNamespace(namespace).withName(NAME).endMetadata()
        .withNewSpec()
        .withHolderIdentity(identity)
        .withLeaseDurationSeconds((int) leaseDuration.toSeconds())
        .withAcquireTime(micro(now))
        .withRenewTime(micro(now))
        .withLeaseTransitions(0)
        .endSpec()
        .build();
  }

  private static String holderOf(Lease lease) {
    String h = lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    return h == null ? "" : h;
  }

  /** renewTime (or acquireTime) + leaseDurationSeconds; null when the Lease says neither (treated as expired). */
  private Instant expiryOf(Lease lease) {
    var spec = lease.getSpec();
    if (spec == null) {
      return null;
    }
    ZonedDateTime t = spec.getRenewTime() != null ? spec.getRenewTime() : spec.getAcquireTime();
    if (t == null) {
      return null;
    }
    long seconds = spec.getLeaseDurationSeconds() == null ? leaseDuration.toSeconds() : spec.getLeaseDurationSeconds();
    return t.toInstant().plusSeconds(seconds);
  }

  private static ZonedDateTime micro(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS).atZone(ZoneOffset.UTC);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}

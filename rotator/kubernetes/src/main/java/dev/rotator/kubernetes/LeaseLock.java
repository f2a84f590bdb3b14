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
 *       holding it (409 AlreadyExists: someone created it first, read again). Released (empty holder) or ours
 *       → take it. Held by another identity → take it over only if it has expired by the rule below, else
 *       {@link Attempt#acquired()} false, with the holder and from when this contender could take it over. A
 *       take-over is a PUT carrying the resourceVersion that was read; a 409 means another contender won in
 *       between → held.
 *   <li><b>Renew</b> ({@link #renew()}, every {@link #renewInterval} on the heartbeat started by {@link
 *       #startHeartbeat()}): GET, check we still hold it, PUT a new renewTime with the read resourceVersion.
 *       Another holder found → lost at once. Failures are tolerated until the lease would expire.
 *   <li><b>Held</b> ({@link #held()}): acquired, not lost, and the last successful renewal plus the lease
 *       duration is still in the future by the injected clock. So a rotator that cannot reach the API stops
 *       calling itself the holder no later than others may take the lease over (below).
 *   <li><b>Release</b> ({@link #close()}): stop the heartbeat; if we still hold it, clear holderIdentity (PUT
 *       with the read resourceVersion) so the next run need not wait for expiry.
 * </ol>
 *
 * <p>Why not fabric8's {@code LeaderElector}: it is a blocking loop with callbacks, has no "try once and
 * tell me who holds it" for exit code 4, and judges expiry on wall time; this class is the same protocol
 * (same Lease fields, so {@code kubectl get lease} reads the same) with the injected {@link Clock}.
 *
 * <p><b>Expiry, and clocks that disagree.</b> The holder writes renewTime with its own clock; a contender's clock
 * may be minutes ahead or behind, so comparing the two decides nothing on its own. A contender takes another
 * holder's Lease over when either:
 *
 * <ul>
 *   <li><b>it has seen the record unchanged for a whole lease duration on its own clock</b> (holder,
 *       renewTime, resourceVersion all the same since this LeaseLock first read them), as client-go's leader
 *       election does. Only this contender's clock is involved, so no skew can make it take a live lock (the
 *       holder renews every {@link #renewInterval}, changing the record), and a renewTime written by a clock
 *       far ahead cannot make a dead holder's Lease look held forever. This needs a contender that keeps
 *       asking: {@link #tryAcquire()}, {@link #acquire} ({@code rotator run --wait}) and {@code serve}'s
 *       followers; or
 *   <li><b>in a one-shot attempt ({@link #tryAcquireOneShot()}) only: by its own clock, renewTime is older than
 *       the lease duration plus {@code maxClockSkew}</b> ({@code lock.maxClockSkew}, default 2 min): what lets
 *       a one-shot {@code rotator run} take over a crashed holder's Lease without waiting. Safe while the two
 *       clocks differ by less than {@code maxClockSkew}; a contender whose clock runs further ahead than that
 *       could take a live lock, which is why the observation rule alone decides for anyone who can wait.
 * </ul>
 *
 * A contender's clock that goes backwards restarts its observation (a longer wait, never a shorter one). The
 * holder's own {@link #held()} uses only its own clock: it stops calling itself the holder one lease duration
 * after its last successful renewal, which is no later than any contender's observation can end.
 */
public final class LeaseLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseLock.class);

  public static final String NAME = "rotator-lock";
  public static final Duration LEASE_DURATION = Duration.ofSeconds(60);
  public static final Duration RENEW_INTERVAL = Duration.ofSeconds(20);
  /** {@code lock.maxClockSkew}'s default: NTP keeps real clocks far closer; a VM resumed from a pause may not. */
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(2);
  /** The longest leaseDurationSeconds a holder's record is believed for. */
  static final Duration MAX_HONOURED_DURATION = Duration.ofHours(1);

  /**
   * The outcome of one acquisition attempt.
   *
   * @param acquired this LeaseLock holds the lock now
   * @param holder who holds it (this identity when acquired)
   * @param heldUntil acquired: until when without a renewal. Not acquired: the earliest time, on this
   *     contender's clock, at which it could take the lock over if the holder's record stays unchanged (the
   *     end of its observation, or renewTime + duration + maxClockSkew, whichever is sooner)
   */
  public record Attempt(boolean acquired, String holder, Instant heldUntil) {}

  private final KubernetesClient client;
  private final Clock clock;
  private final String namespace;
  private final String identity;
  private final Duration leaseDuration;
  private final Duration renewInterval;
  private final Duration maxClockSkew;

  private final Object state = new Object();
  private boolean acquired;
  private Instant renewedAt;
  private String lostTo;
  private String lastRenewError;
  private ScheduledExecutorService heartbeat;
  /** The other holder's record as last read (holder, times, resourceVersion), and when it was first seen so. */
  private String observedRecord;
  private Instant observedAt;

  public LeaseLock(KubernetesClient client, Clock clock, String namespace, String identity) {
    this(client, clock, namespace, identity, DEFAULT_MAX_CLOCK_SKEW);
  }

  /** @param maxClockSkew {@code lock.maxClockSkew}: see the class comment */
  public LeaseLock(KubernetesClient client, Clock clock, String namespace, String identity, Duration maxClockSkew) {
    this(client, clock, namespace, identity, onScaledClock(clock, LEASE_DURATION), RENEW_INTERVAL, maxClockSkew);
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
    this(client, clock, namespace, identity, leaseDuration, renewInterval, DEFAULT_MAX_CLOCK_SKEW);
  }

  public LeaseLock(KubernetesClient client, Clock clock, String namespace, String identity,
      Duration leaseDuration, Duration renewInterval, Duration maxClockSkew) {
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
    if (maxClockSkew == null || maxClockSkew.isNegative()) {
      throw new IllegalArgumentException("maxClockSkew must be >= 0, got " + maxClockSkew);
    }
    this.leaseDuration = leaseDuration;
    this.renewInterval = renewInterval;
    this.maxClockSkew = maxClockSkew;
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

  /**
   * One acquisition attempt by a contender that keeps asking ({@code serve}'s followers, {@link #acquire}):
   * another holder's Lease is taken over only after this LeaseLock has seen it unchanged for a lease duration
   * on its own clock, whatever the holder's renewTime says. Never waits. Throws {@link ClusterException} when
   * the API cannot say.
   */
  public Attempt tryAcquire() {
    return attempt(false);
  }

  /**
   * One acquisition attempt by a run that will not ask again (a one-shot {@code rotator run}, {@code rollback}):
   * as {@link #tryAcquire()}, and also taking another holder's Lease over when, by this clock, its renewTime is
   * older than the lease duration plus {@code maxClockSkew} (a crashed holder's). Never waits.
   */
  public Attempt tryAcquireOneShot() {
    return attempt(true);
  }

  private Attempt attempt(boolean byAge) {
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
      if (!holder.isEmpty() && !holder.equals(identity)) {
        Instant takeover = takeoverAt(lease, now, byAge);
        if (now.isBefore(takeover)) {
          return new Attempt(false, holder, takeover);
        }
        LOG.info("lock {}: taking over from {}: {}", location(), holder, whyExpired(lease, now));
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
    Instant now = clock.now();
    return lease == null
        ? new Attempt(false, "(unknown: the Lease keeps changing)", now)
        : new Attempt(false, holderOf(lease), takeoverAt(lease, now, byAge));
  }

  /**
   * Tries ({@link #tryAcquire()}: watching, no trust in the holder's clock) until acquired or {@code timeout}
   * has passed on the injected clock, sleeping between attempts until this contender could take the lease
   * over (at most {@code retryEvery}); returns the last attempt.
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

  /**
   * When this contender may take {@code lease} over if its record stays as read (see the class comment):
   * the end of its observation, or ({@code byAge}, one-shot attempts) renewTime + duration + maxClockSkew by
   * this contender's clock, whichever is sooner. Records the observation: a record differing from the last
   * one read restarts it at {@code now}.
   */
  private Instant takeoverAt(Lease lease, Instant now, boolean byAge) {
    String record = recordOf(lease);
    Instant since;
    synchronized (state) {
      if (!record.equals(observedRecord) || observedAt == null || now.isBefore(observedAt)) {
        observedRecord = record;
        observedAt = now;
      }
      since = observedAt;
    }
    Duration duration = durationOf(lease);
    Instant byObservation = since.plus(duration);
    Instant renewed = renewTimeOf(lease);
    if (!byAge || renewed == null) {
      // Nothing to judge the holder's age by (or no trust in it): only watching the record can say it is dead.
      return byObservation;
    }
    Instant agedOut = renewed.plus(duration).plus(maxClockSkew);
    return agedOut.isBefore(byObservation) ? agedOut : byObservation;
  }

  private String whyExpired(Lease lease, Instant now) {
    Duration seen;
    synchronized (state) {
      seen = Duration.between(observedAt, now);
    }
    Instant renewed = renewTimeOf(lease);
    return "its record has not changed for " + seen.toSeconds() + " s on this rotator's clock (lease "
        + durationOf(lease).toSeconds() + " s); renewTime " + (renewed == null ? "unset" : renewed + ", "
        + Duration.between(renewed, now).toSeconds() + " s ago by this clock") + ", maxClockSkew "
        + maxClockSkew.toSeconds() + " s";
  }

  /** What must stay the same for the holder to count as not renewing: who, when, and the object's version. */
  private static String recordOf(Lease lease) {
    var spec = lease.getSpec();
    String rv = lease.getMetadata() == null ? null : lease.getMetadata().getResourceVersion();
    return holderOf(lease) + "|" + (spec == null ? "" : spec.getRenewTime() + "|" + spec.getAcquireTime() + "|"
        + spec.getLeaseDurationSeconds() + "|" + spec.getLeaseTransitions()) + "|" + rv;
  }

  /**
   * The holder's leaseDurationSeconds (its own promise), or ours when it wrote none or nonsense; at most
   * {@link #MAX_HONOURED_DURATION}, so that no record can make the lock look held for days.
   */
  private Duration durationOf(Lease lease) {
    Integer s = lease.getSpec() == null ? null : lease.getSpec().getLeaseDurationSeconds();
    Duration d = s == null || s < 1 ? leaseDuration : Duration.ofSeconds(s);
    return d.compareTo(MAX_HONOURED_DURATION) > 0 ? MAX_HONOURED_DURATION : d;
  }

  /** renewTime, else acquireTime, as the holder's clock wrote it; null when the Lease says neither. */
  private static Instant renewTimeOf(Lease lease) {
    var spec = lease.getSpec();
    if (spec == null) {
      return null;
    }
    ZonedDateTime t = spec.getRenewTime() != null ? spec.getRenewTime() : spec.getAcquireTime();
    return t == null ? null : t.toInstant();
  }

  private static ZonedDateTime micro(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS).atZone(ZoneOffset.UTC);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}

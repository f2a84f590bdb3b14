package dev.rotator.health.quota;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.NodeGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToIntFunction;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The cloud quota gate: can each node group launch the surge instances the next step needs?
 *
 * <p>Surging (adding {@code maxSurge} instances before draining) is where quotas bite: an account's vCPU
 * limit, a group's max size, an exhausted zone. Finding out from a failed {@code setDesiredCapacity}
 * means finding out mid-step; this check asks the {@link CloudProvider} port for every group's {@link
 * CloudProvider#headroom headroom} first and fails when any group has less than {@code minHeadroom}
 * (by default the policy's {@code maxSurge}). Whether the engine then freezes or degrades to rotating
 * without surge is the engine's policy; this check only reports, with each group's headroom as a value.
 *
 * <p>Outcomes:
 *
 * <ul>
 *   <li>UNHEALTHY ({@link ReasonCode#CLOUD_QUOTA}): a group's headroom is below the minimum, or the
 *       provider answers with a {@link CloudException.Kind#QUOTA} error (the cloud itself says the quota is
 *       exhausted: that is knowledge, not doubt);
 *   <li>UNKNOWN (the gate fails closed): any other provider failure (throttled, access denied, a
 *       configured group that does not exist), no answer within {@code timeout}, or no group to check;
 *   <li>HEALTHY otherwise. With {@code minHeadroom} 0 the check still proves every group is readable.
 * </ul>
 *
 * All provider calls of one check run on one worker thread and are bounded together by {@code timeout}
 * (a cloud API that hangs cannot stall the gate); while a timed-out call is still hanging, later checks
 * answer UNKNOWN at once instead of piling up threads. Never throws.
 */
public final class QuotaHeadroomCheck implements HealthCheck {

  /** The check's stable name. */
  public static final String NAME = "quota";

  /** How many groups a reason names; the counts carry the rest. */
  static final int MAX_NAMED = 5;

  static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Settings.
   *
   * @param groups node groups to check; empty = every group the provider's {@code nodeGroups()} lists
   * @param minHeadroom instances each group must still be able to launch (usually the policy's
   *     {@code maxSurge}); 0 = only check that headroom can be read
   * @param timeout how long all provider calls of one check may take together
   */
  public record Settings(List<String> groups, int minHeadroom, Duration timeout) {
    public Settings {
      Objects.requireNonNull(groups, "groups");
      groups = List.copyOf(groups);
      for (String g : groups) {
        if (g.isBlank()) {
          throw new IllegalArgumentException("groups must not contain an empty group name");
        }
      }
      if (groups.stream().distinct().count() != groups.size()) {
        throw new IllegalArgumentException("groups lists a group twice: " + groups);
      }
      if (minHeadroom < 0) {
        throw new IllegalArgumentException("minHeadroom must be >= 0, got " + minHeadroom);
      }
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "timeout must be positive and at most " + MAX_TIMEOUT.toSeconds() + "s, got " + timeout);
      }
    }

    /** Every group, headroom for 1 instance (the default {@code maxSurge}), 5 s for the provider calls. */
    public static Settings defaults() {
      return forMaxSurge(1);
    }

    /** Every group, headroom for {@code maxSurge} instances, 5 s for the provider calls. */
    public static Settings forMaxSurge(int maxSurge) {
      return new Settings(List.of(), maxSurge, Duration.ofSeconds(5));
    }

    public Settings withGroups(List<String> g) {
      return new Settings(g, minHeadroom, timeout);
    }

    public Settings withTimeout(Duration t) {
      return new Settings(groups, minHeadroom, t);
    }
  }

  /** One group's answer: headroom, or the provider's failure. */
  private record GroupAnswer(String group, Integer headroom, RuntimeException error) {}

  /** Thrown inside the worker when the group list itself cannot be had. */
  private static final class NoGroups extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoGroups(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final CloudProvider provider;
  private final Settings settings;
  // One worker thread at most, gone while idle. A provider call that hangs past its timeout keeps `busy`
  // set, and later checks answer UNKNOWN at once instead of leaking a thread per check.
  private final ThreadPoolExecutor worker;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final ToIntFunction<String> surgeInPlace;

  public QuotaHeadroomCheck(CloudProvider provider, Settings settings) {
    this(provider, settings, group -> 0);
  }

  /**
   * @param surgeInPlace instances rotator's own surge already added to a group (its desired capacity above the
   *     size recorded before the surge): that part of {@code minHeadroom} is already spent, so a group that
   *     surged as planned is not reported short of the headroom the surge itself used
   */
  public QuotaHeadroomCheck(CloudProvider provider, Settings settings, ToIntFunction<String> surgeInPlace) {
    this.surgeInPlace = Objects.requireNonNull(surgeInPlace, "surgeInPlace");
    this.provider = Objects.requireNonNull(provider, "provider");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.worker =
        new ThreadPoolExecutor(
            1,
            1,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(1),
            r -> {
              Thread t = new Thread(r, "rotator-quota-check");
              t.setDaemon(true);
              return t;
            });
    worker.allowCoreThreadTimeOut(true);
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ReasonCode reasonCode() {
    return ReasonCode.CLOUD_QUOTA;
  }

  @Override
  public synchronized CheckResult check() {
    if (busy.get()) {
      return CheckResult.unknown(
          NAME,
          "the cloud provider " + provider.name() + " has not yet answered an earlier check's call; not asking again");
    }
    Future<List<GroupAnswer>> future;
    try {
      future =
          worker.submit(
              () -> {
                // Set by the task itself: a task cancelled before it started never marks the check busy.
                busy.set(true);
                try {
                  return askProvider();
                } finally {
                  busy.set(false);
                }
              });
    } catch (RejectedExecutionException e) {
      return CheckResult.unknown(NAME, "cannot start asking the cloud provider: " + e.getMessage());
    }
    List<GroupAnswer> answers;
    try {
      answers = future.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      return CheckResult.unknown(
          NAME,
          "the cloud provider " + provider.name() + " did not answer within " + settings.timeout().toMillis() + " ms");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof NoGroups) {
        return CheckResult.unknown(NAME, cause.getMessage());
      }
      return CheckResult.unknown(NAME, "asking the cloud provider failed: " + describe(cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      return CheckResult.unknown(NAME, "interrupted while asking the cloud provider");
    }
    return judge(answers);
  }

  /** Runs on the worker thread: the group list (unless configured), then each group's headroom. */
  private List<GroupAnswer> askProvider() {
    List<String> groups = settings.groups();
    if (groups.isEmpty()) {
      List<NodeGroup> all;
      try {
        all = provider.nodeGroups();
      } catch (RuntimeException e) {
        throw new NoGroups("cannot list the node groups of " + provider.name() + ": " + describe(e), e);
      }
      if (all == null || all.isEmpty()) {
        throw new NoGroups("the cloud provider " + provider.name() + " manages no node group to check", null);
      }
      groups = all.stream().map(NodeGroup::id).toList();
    }
    List<GroupAnswer> answers = new ArrayList<>();
    for (String g : groups) {
      if (Thread.currentThread().isInterrupted()) {
        break; // the check gave up waiting
      }
      try {
        int headroom = provider.headroom(g);
        // Count the surge already in place as headroom still available to this rotation.
        answers.add(new GroupAnswer(g, headroom + Math.max(0, surgeInPlace.applyAsInt(g)), null));
      } catch (RuntimeException e) {
        answers.add(new GroupAnswer(g, null, e));
      }
    }
    return answers;
  }

  private CheckResult judge(List<GroupAnswer> answers) {
    int min = settings.minHeadroom();
    Map<String, String> values = new LinkedHashMap<>();
    values.put("minHeadroom", Integer.toString(min));
    values.put("groups", Integer.toString(answers.size()));
    List<String> short_ = new ArrayList<>();
    List<String> exhausted = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    Integer lowest = null;
    for (GroupAnswer a : answers) {
      if (a.error() == null) {
        values.put("headroom." + a.group(), Integer.toString(a.headroom()));
        lowest = lowest == null ? a.headroom() : Math.min(lowest, a.headroom());
        if (a.headroom() < min) {
          short_.add(a.group() + " (" + a.headroom() + ")");
        }
      } else {
        values.put("headroom." + a.group(), "error");
        if (a.error() instanceof CloudException ce && ce.kind() == CloudException.Kind.QUOTA) {
          exhausted.add(a.group() + ": " + ce.getMessage());
        } else {
          unknown.add(a.group() + ": " + describe(a.error()));
        }
      }
    }
    values.put("lowestHeadroom", lowest == null ? "n/a" : Integer.toString(lowest));
    values.put("groupsShort", Integer.toString(short_.size() + exhausted.size()));
    values.put("groupsUnknown", Integer.toString(unknown.size()));

    List<String> problems = new ArrayList<>();
    if (!short_.isEmpty()) {
      problems.add(
          short_.size()
              + " node group(s) cannot launch "
              + min
              + " more instance(s) (headroom in brackets): "
              + names(short_));
    }
    if (!exhausted.isEmpty()) {
      problems.add("quota exhausted in " + exhausted.size() + " node group(s): " + names(exhausted));
    }
    if (!problems.isEmpty()) {
      if (!unknown.isEmpty()) {
        problems.add("and " + unknown.size() + " group(s) could not be read: " + names(unknown));
      }
      return CheckResult.unhealthy(NAME, String.join("; ", problems), values);
    }
    if (!unknown.isEmpty()) {
      return new CheckResult(
          NAME,
          CheckResult.Status.UNKNOWN,
          "cannot read the headroom of " + unknown.size() + " node group(s): " + names(unknown),
          values);
    }
    return CheckResult.healthy(
        NAME,
        answers.size() + " node group(s) can each launch at least " + min + " more instance(s) (lowest headroom "
            + lowest + ")",
        values);
  }

  private static String names(List<String> all) {
    if (all.size() <= MAX_NAMED) {
      return String.join(", ", all);
    }
    return String.join(", ", all.subList(0, MAX_NAMED)) + " and " + (all.size() - MAX_NAMED) + " more";
  }

  private static String describe(Throwable e) {
    if (e == null) {
      return "unknown error";
    }
    String msg = e.getMessage();
    String kind = e instanceof CloudException ce ? " " + ce.kind() : "";
    return e.getClass().getSimpleName() + kind + (msg == null || msg.isBlank() ? "" : ": " + msg);
  }
}

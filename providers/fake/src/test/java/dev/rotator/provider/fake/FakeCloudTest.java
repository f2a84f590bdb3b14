package dev.rotator.provider.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.fake.ManualClock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.InstanceRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FakeCloudTest {

  private ManualClock clock;
  private FakeCloud cloud;
  private final List<FakeInstance> running = new ArrayList<>();
  private final List<FakeInstance> terminated = new ArrayList<>();

  @BeforeEach
  void setUp() {
    clock = new ManualClock();
    cloud = new FakeCloud(clock);
    cloud.addListener(
        new FakeCloud.Listener() {
          @Override
          public void onInstanceRunning(FakeInstance instance) {
            running.add(instance);
          }

          @Override
          public void onInstanceTerminated(FakeInstance instance) {
            terminated.add(instance);
          }
        });
  }

  private static FakeGroupSpec group(String id, int desired, int min, int max, int quota) {
    return new FakeGroupSpec(
        id, List.of("z-a", "z-b", "z-c"), desired, min, max, quota, "v1.31.0", "fake.large", 4000, 16384,
        Duration.ofSeconds(90));
  }

  private void step(Duration d) {
    clock.advance(d);
    cloud.reconcile(clock.now());
  }

  @Test
  @DisplayName("reconcile launches instances up to desired, spread over zones, RUNNING only after the delay")
  void launchesAfterDelay() {
    cloud.addGroup(group("g", 6, 0, 10, 10));
    cloud.reconcile(clock.now());
    List<FakeInstance> live = cloud.liveInstances("g");
    assertEquals(6, live.size());
    assertTrue(live.stream().allMatch(i -> i.state() == InstanceState.PROVISIONING));
    assertEquals(
        Map.of("z-a", 2L, "z-b", 2L, "z-c", 2L),
        live.stream().collect(Collectors.groupingBy(FakeInstance::zone, Collectors.counting())));
    assertTrue(live.stream().allMatch(i -> i.version().equals("v1.31.0")));

    step(Duration.ofSeconds(89));
    assertTrue(running.isEmpty(), "nothing is RUNNING before the provisioning delay");
    step(Duration.ofSeconds(1));
    assertEquals(6, running.size());
    assertTrue(cloud.liveInstances("g").stream().allMatch(i -> i.state() == InstanceState.RUNNING));
    assertEquals(clock.now(), running.get(0).runningAt());
  }

  @Test
  @DisplayName("settled only when no instance provisions and every group runs its desired capacity")
  void settled() {
    cloud.addGroup(group("g", 1, 0, 3, 3));
    assertFalse(cloud.settled(), "desired 1, nothing launched yet");
    cloud.reconcile(clock.now());
    assertFalse(cloud.settled(), "provisioning");
    step(Duration.ofSeconds(90));
    assertTrue(cloud.settled());
    cloud.terminate(cloud.liveInstances("g").get(0).ref(), false);
    assertFalse(cloud.settled(), "a replacement is due");
    assertFalse(cloud.atCapacity());
    cloud.reconcile(clock.now());
    step(Duration.ofSeconds(90));
    assertTrue(cloud.settled());
    List<Boolean> seenByListener = new ArrayList<>();
    cloud.addListener(
        new FakeCloud.Listener() {
          @Override
          public void onInstanceTerminated(FakeInstance instance) {
            seenByListener.add(cloud.settled());
            seenByListener.add(cloud.atCapacity());
          }
        });
    cloud.setDesiredCapacity("g", 0);
    cloud.reconcile(clock.now());
    assertEquals(List.of(false, true), seenByListener, "not settled while a change is being reported");
    assertTrue(cloud.settled());
  }

  @Test
  @DisplayName("providerID round-trips through instanceOf; other formats are not ours")
  void providerIdParsing() {
    cloud.addGroup(group("g", 0, 0, 3, 3));
    FakeInstance i = cloud.addRunningInstance("g", "z-b", "v1.30.0");
    assertEquals("fake:///z-b/g/" + i.id(), i.providerId());
    assertEquals(Optional.of(new InstanceRef(i.id(), "g", "z-b")), cloud.instanceOf(i.providerId()));
    assertEquals(Optional.empty(), cloud.instanceOf("aws:///us-east-1a/i-0123"));
    assertEquals(Optional.empty(), cloud.instanceOf("fake:///z-b/g"));
    assertEquals(Optional.empty(), cloud.instanceOf("fake:///z-b//i-1"));
    assertEquals(Optional.empty(), cloud.instanceOf(""));
    assertEquals(Optional.empty(), cloud.instanceOf(null));
  }

  @Test
  @DisplayName("isOutdated compares the instance version with the group's target; unknown instance has no opinion")
  void outdated() {
    cloud.addGroup(group("g", 0, 0, 3, 3));
    FakeInstance old = cloud.addRunningInstance("g", "z-a", "v1.30.0");
    FakeInstance fresh = cloud.addRunningInstance("g", "z-a", "v1.31.0");
    assertEquals(Optional.of(true), cloud.isOutdated(old.ref()));
    assertEquals(Optional.of(false), cloud.isOutdated(fresh.ref()));
    assertEquals(Optional.empty(), cloud.isOutdated(new InstanceRef("i-nope", "g", "z-a")));
    cloud.setTargetVersion("g", "v1.30.0");
    assertEquals(Optional.of(false), cloud.isOutdated(old.ref()));
  }

  @Test
  @DisplayName("terminate without decrement gets a replacement with the target version after the delay")
  void terminateReplaces() {
    cloud.addGroup(group("g", 2, 0, 4, 4));
    FakeInstance a = cloud.addRunningInstance("g", "z-a", "v1.30.0");
    cloud.addRunningInstance("g", "z-b", "v1.30.0");
    running.clear();

    cloud.terminate(a.ref(), false);
    assertEquals(1, terminated.size());
    assertEquals(InstanceState.TERMINATED, cloud.instance(a.id()).orElseThrow().state());
    assertEquals(2, cloud.nodeGroup("g").desired());

    step(Duration.ofSeconds(1));
    List<FakeInstance> live = cloud.liveInstances("g");
    assertEquals(2, live.size());
    FakeInstance repl = live.get(1);
    assertEquals(InstanceState.PROVISIONING, repl.state());
    assertEquals("v1.31.0", repl.version());
    assertEquals("z-a", repl.zone(), "the replacement goes to the zone that lost an instance");
    step(Duration.ofSeconds(90));
    assertEquals(List.of(repl.id()), running.stream().map(FakeInstance::id).toList());
  }

  @Test
  @DisplayName("terminate is idempotent: an already terminated or unknown instance is success, desired drops once")
  void terminateIdempotent() {
    cloud.addGroup(group("g", 3, 1, 4, 4));
    FakeInstance a = cloud.addRunningInstance("g", "z-a", "v1.30.0");
    cloud.addRunningInstance("g", "z-b", "v1.30.0");
    cloud.addRunningInstance("g", "z-c", "v1.30.0");
    cloud.terminate(a.ref(), true);
    cloud.terminate(a.ref(), true);
    cloud.terminate(new InstanceRef("i-unknown", "g", "z-a"), true);
    assertEquals(2, cloud.nodeGroup("g").desired());
    assertEquals(1, terminated.size());
    assertEquals(3, cloud.calls("terminate").size());
  }

  @Test
  @DisplayName("terminate with decrement refuses (PERMANENT) to go below min and terminates nothing")
  void decrementBelowMin() {
    cloud.addGroup(group("g", 1, 1, 2, 2));
    FakeInstance a = cloud.addRunningInstance("g", "z-a", "v1.30.0");
    CloudException e = assertThrows(CloudException.class, () -> cloud.terminate(a.ref(), true));
    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertEquals(InstanceState.RUNNING, cloud.instance(a.id()).orElseThrow().state());
    assertTrue(terminated.isEmpty());
  }

  @Test
  @DisplayName("setDesiredCapacity: outside min/max is PERMANENT, above quota is QUOTA, unknown group PERMANENT")
  void desiredBounds() {
    cloud.addGroup(group("g", 2, 1, 6, 4));
    assertEquals(
        CloudException.Kind.PERMANENT,
        assertThrows(CloudException.class, () -> cloud.setDesiredCapacity("g", 0)).kind());
    assertEquals(
        CloudException.Kind.PERMANENT,
        assertThrows(CloudException.class, () -> cloud.setDesiredCapacity("g", 7)).kind());
    assertEquals(
        CloudException.Kind.QUOTA,
        assertThrows(CloudException.class, () -> cloud.setDesiredCapacity("g", 5)).kind());
    assertEquals(
        CloudException.Kind.PERMANENT,
        assertThrows(CloudException.class, () -> cloud.setDesiredCapacity("nope", 2)).kind());
    assertEquals(
        CloudException.Kind.PERMANENT, assertThrows(CloudException.class, () -> cloud.nodeGroup("nope")).kind());
    cloud.setDesiredCapacity("g", 4);
    assertEquals(4, cloud.nodeGroup("g").desired());
  }

  @Test
  @DisplayName("headroom is min(max - desired, quota - live) and never negative")
  void headroom() {
    cloud.addGroup(group("g", 2, 0, 10, 5));
    cloud.reconcile(clock.now());
    assertEquals(3, cloud.headroom("g"), "quota 5 - live 2");
    cloud.setDesiredCapacity("g", 5);
    assertEquals(3, cloud.headroom("g"), "still quota 5 - live 2 until reconcile launches");
    cloud.reconcile(clock.now());
    assertEquals(0, cloud.headroom("g"));
    cloud.setQuota("g", 3);
    assertEquals(0, cloud.headroom("g"));
    cloud.addGroup(group("h", 4, 0, 5, 5));
    assertEquals(1, cloud.headroom("h"), "max 5 - desired 4");
  }

  @Test
  @DisplayName("a lowered quota caps launches: the group stays below desired")
  void quotaCapsLaunches() {
    cloud.addGroup(group("g", 4, 0, 10, 10));
    cloud.setQuota("g", 3);
    cloud.reconcile(clock.now());
    assertEquals(3, cloud.liveInstances("g").size());
  }

  @Test
  @DisplayName("lowering desired scales in like an ASG: provisioning first, then outdated, then oldest")
  void scaleIn() {
    cloud.addGroup(group("g", 3, 0, 6, 6));
    FakeInstance oldA = cloud.addRunningInstance("g", "z-a", "v1.30.0");
    FakeInstance newB = cloud.addRunningInstance("g", "z-b", "v1.31.0");
    FakeInstance oldC = cloud.addRunningInstance("g", "z-c", "v1.30.0");
    cloud.setDesiredCapacity("g", 4);
    cloud.reconcile(clock.now());
    FakeInstance provisioning = cloud.liveInstances("g").get(3);
    cloud.setDesiredCapacity("g", 1);
    step(Duration.ofSeconds(1));
    assertEquals(
        List.of(provisioning.id(), oldA.id(), oldC.id()), terminated.stream().map(FakeInstance::id).toList());
    assertEquals(List.of(newB.id()), cloud.liveInstances("g").stream().map(FakeInstance::id).toList());
  }

  @Test
  @DisplayName("failNext throws the injected error once, after recording the call; reset forgets calls")
  void errorInjection() {
    cloud.addGroup(group("g", 1, 0, 3, 3));
    FakeInstance a = cloud.addRunningInstance("g", "z-a", "v1.30.0");
    cloud.failNext("terminate", new CloudException(CloudException.Kind.RETRYABLE, "throttled"));
    CloudException e = assertThrows(CloudException.class, () -> cloud.terminate(a.ref(), false));
    assertEquals("throttled", e.getMessage());
    assertEquals(InstanceState.RUNNING, cloud.instance(a.id()).orElseThrow().state());
    cloud.terminate(a.ref(), false);
    assertEquals(InstanceState.TERMINATED, cloud.instance(a.id()).orElseThrow().state());
    assertEquals(
        List.of(new FakeCloud.Call("terminate", List.of(a.ref(), false))), cloud.calls("terminate").subList(0, 1));
    assertEquals(2, cloud.calls("terminate").size());

    cloud.failNext("headroom", new CloudException(CloudException.Kind.QUOTA, "q"));
    cloud.reset();
    assertEquals(List.of(), cloud.calls());
    assertEquals(2, cloud.headroom("g"), "reset also drops pending injections");
    assertThrows(IllegalArgumentException.class, () -> cloud.failNext("terminat", new CloudException(null, "x")));
  }

  @Test
  @DisplayName("concurrent terminate and reconcile keep counts consistent and never deliver a listener call under the lock")
  void threadSafety() throws Exception {
    cloud.addGroup(group("g", 40, 0, 80, 80));
    Function<Integer, String> zone = i -> List.of("z-a", "z-b", "z-c").get(i % 3);
    List<FakeInstance> initial = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      initial.add(cloud.addRunningInstance("g", zone.apply(i), "v1.30.0"));
    }
    // A listener that calls back into the cloud would deadlock if notified while the lock is held.
    cloud.addListener(
        new FakeCloud.Listener() {
          @Override
          public void onInstanceTerminated(FakeInstance instance) {
            cloud.headroom("g");
          }
        });
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch go = new CountDownLatch(1);
    pool.submit(
        () -> {
          go.await();
          initial.forEach(i -> cloud.terminate(i.ref(), false));
          return null;
        });
    pool.submit(
        () -> {
          go.await();
          for (int k = 0; k < 200; k++) {
            cloud.reconcile(clock.now());
          }
          return null;
        });
    go.countDown();
    pool.shutdown();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    cloud.reconcile(clock.now());
    assertEquals(40, cloud.liveInstances("g").size());
    assertEquals(40, terminated.size());
    assertFalse(cloud.liveInstances("g").stream().anyMatch(i -> i.version().equals("v1.30.0")));
  }
}

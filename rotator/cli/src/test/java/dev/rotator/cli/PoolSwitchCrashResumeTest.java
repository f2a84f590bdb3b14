package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.config.RotatorConfig;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.pool.PoolSwitch;
import dev.rotator.core.pool.PoolSwitchRecord;
import dev.rotator.core.pool.PoolSwitchResult;
import dev.rotator.core.pool.PoolSwitchState;
import dev.rotator.core.port.Cluster;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.SimReport;
import dev.rotator.sim.Simulator;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A node-pool switch killed mid-way (a process death: an Error out of the run, right after a step was persisted
 * or after an accepted eviction) is resumed by a fresh rotator against the same simulated cluster and the same
 * ConfigMap state: it finishes, creates the new pool once, and the simulator sees no PDB violated, no pod lost.
 */
class PoolSwitchCrashResumeTest {

  /** A process death. */
  static final class Killed extends Error {
    Killed(String where) {
      super("killed " + where);
    }
  }

  /** The cluster port, killed after the n-th eviction call. */
  private static Cluster killedAfterEvictions(Cluster delegate, int n) {
    AtomicInteger evictions = new AtomicInteger();
    return (Cluster) Proxy.newProxyInstance(Cluster.class.getClassLoader(), new Class<?>[] {Cluster.class},
        (proxy, method, args) -> {
          Object r;
          try {
            r = method.invoke(delegate, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (method.getName().equals("evict") && evictions.incrementAndGet() == n) {
            throw new Killed("after eviction " + n + " of " + args[0]);
          }
          return r;
        });
  }

  @ParameterizedTest(name = "killed at {0}")
  @ValueSource(strings = {"NEW_POOL_CREATING", "eviction-5", "OLD_POOL_DELETING"})
  @DisplayName("a switch killed after a persisted step or mid-drain resumes and completes, creating the pool once")
  void killedThenResumed(String killPoint) throws Exception {
    Scenario scenario = Scenario.builtin("pool-switch");
    try (Simulator sim = Simulator.start(scenario)) {
      RotatorConfig config = SimRunner.configOf(scenario, sim);

      try (Session s1 = Session.forSimulator(config, sim.apiUrl(), sim.cloud(), sim.clock())) {
        s1.withNodePools(sim.nodePools());
        Cluster cluster = killPoint.startsWith("eviction-")
            ? killedAfterEvictions(s1.cluster, Integer.parseInt(killPoint.substring("eviction-".length())))
            : s1.cluster;
        PoolSwitch first = new PoolSwitch(new Ports(cluster, s1.cloud, s1.store, s1.gate, s1.notifier, s1.clock),
            sim.nodePools(), config.policy(), config.nodePool().spec().orElseThrow());
        first.addListener(new PoolSwitch.PoolSwitchListener() {
          @Override
          public void onState(PoolSwitchRecord r) {
            if (r.state().name().equals(killPoint)) {
              throw new Killed("right after persisting " + r.state());
            }
          }
        });
        assertThrows(Killed.class, () -> first.run("run-1"));
      }
      PoolSwitchRecord atCrash;
      try (Session peek = Session.forSimulator(config, sim.apiUrl(), sim.cloud(), sim.clock())) {
        atCrash = peek.store.poolSwitch().orElseThrow();
      }
      assertTrue(!atCrash.state().terminal(), "killed mid-switch: " + atCrash);

      PoolSwitchResult second;
      try (Session s2 = Session.forSimulator(config, sim.apiUrl(), sim.cloud(), sim.clock())) {
        s2.withNodePools(sim.nodePools());
        second = s2.poolSwitchOf(s2.gate).run("run-2");
      }
      sim.awaitQuiet(Duration.ofMinutes(10));
      SimReport report = sim.report();

      String context = "persisted at crash: " + atCrash + "; second run: " + second.message();
      assertEquals(PoolSwitchResult.Outcome.COMPLETED, second.outcome(), context);
      assertEquals(PoolSwitchState.DONE, second.record().state(), context);
      assertEquals("run-1", second.record().runId(), "the same switch, resumed");
      assertEquals(1, sim.nodePools().calls().stream().filter(c -> c.equals("createPool workers-b")).count(),
          sim.nodePools().calls().toString());
      assertTrue(sim.cloud().liveInstances("workers-a").isEmpty(), "old pool gone");
      assertEquals(6, sim.cloud().liveInstances("workers-b").size(), "new pool at size");
      assertEquals(0, report.pdbViolations(), report.pdbViolationDetails().toString());
      assertEquals(0, report.podsLost(), report.podsLostDetails().toString());
      assertEquals(0, report.podDeleteRequests());
    }
  }
}

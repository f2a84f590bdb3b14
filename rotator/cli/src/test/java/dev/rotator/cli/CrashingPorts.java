package dev.rotator.cli;

import dev.rotator.core.engine.RotationProgress;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.PodWatch;
import dev.rotator.core.port.StateStore;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decorators of the engine's ports that imitate a killed process: once the {@link KillSwitch} is thrown, every
 * call (reads included) throws {@link Crash}, an Error the engine does not catch, so nothing more reaches the
 * cluster, the cloud or the state store, not even from the engine's finally blocks. With a switch that never
 * fires they are transparent and only log the calls the test inspects.
 */
final class CrashingPorts {
  private CrashingPorts() {}

  /** The process died: thrown by every port call after the kill. */
  static final class Crash extends Error {
    Crash(String message) {
      super(message, null, false, false);
    }
  }

  /** When to kill: after the n-th mutating call, after the first call of a kind, or when a listener says so. */
  static final class KillSwitch {
    private final int afterMutation;
    private final java.util.regex.Pattern afterCall;
    private final List<String> log;
    private int mutations;
    private volatile String killedAt;

    /**
     * @param afterMutation kill right after this mutating call (1-based) completed; 0 never by count
     * @param afterCall kill right after the first mutating call whose description matches this regex; null never
     * @param log where every mutating call is appended, across runs (for the test's assertions)
     */
    KillSwitch(int afterMutation, String afterCall, List<String> log) {
      this.afterMutation = afterMutation;
      this.afterCall = afterCall == null ? null : java.util.regex.Pattern.compile(afterCall);
      this.log = log;
    }

    void kill(String where) {
      if (killedAt == null) {
        killedAt = where;
      }
    }

    String killedAt() {
      return killedAt;
    }

    int mutations() {
      return mutations;
    }

    void check(String call) {
      String at = killedAt;
      if (at != null) {
        throw new Crash("process killed " + at + "; " + call + " never happened");
      }
    }

    <T> T read(String call, Supplier<T> body) {
      check(call);
      return body.get();
    }

    void mutate(String call, Runnable body) {
      mutate(call, () -> {
        body.run();
        return null;
      });
    }

    // synchronized: the engine sends evictions from a small pool; the count and the kill must stay exact.
    synchronized <T> T mutate(String call, Supplier<T> body) {
      check(call);
      T result = body.get();
      mutations++;
      log.add(call);
      if (afterMutation > 0 && mutations == afterMutation) {
        kill("after mutating call #" + mutations + " (" + call + ")");
      }
      if (afterCall != null && afterCall.matcher(call).matches()) {
        kill("after " + call);
      }
      return result;
    }
  }

  static final class CrashingCluster implements Cluster {
    private final Cluster d;
    private final KillSwitch k;

    CrashingCluster(Cluster delegate, KillSwitch kill) {
      this.d = delegate;
      this.k = kill;
    }

    @Override
    public List<NodeInfo> nodes() {
      return k.read("nodes", d::nodes);
    }

    @Override
    public Optional<NodeInfo> node(String name) {
      return k.read("node " + name, () -> d.node(name));
    }

    @Override
    public List<PodInfo> podsOnNode(String nodeName) {
      return k.read("podsOnNode " + nodeName, () -> d.podsOnNode(nodeName));
    }

    @Override
    public List<PodInfo> pendingPods() {
      return k.read("pendingPods", d::pendingPods);
    }

    @Override
    public List<PdbInfo> pdbs() {
      return k.read("pdbs", d::pdbs);
    }

    @Override
    public void cordon(String nodeName) {
      k.mutate("cordon " + nodeName, () -> d.cordon(nodeName));
    }

    @Override
    public void uncordon(String nodeName) {
      k.mutate("uncordon " + nodeName, () -> d.uncordon(nodeName));
    }

    @Override
    public void addTaint(String nodeName, Taint taint) {
      k.mutate("addTaint " + nodeName, () -> d.addTaint(nodeName, taint));
    }

    @Override
    public void removeTaint(String nodeName, String key) {
      k.mutate("removeTaint " + nodeName, () -> d.removeTaint(nodeName, key));
    }

    @Override
    public void annotateNode(String nodeName, String key, String value) {
      k.mutate("annotateNode " + nodeName + " " + key + "=" + value, () -> d.annotateNode(nodeName, key, value));
    }

    @Override
    public EvictionResult evict(PodRef pod) {
      return k.mutate("evict " + pod, () -> d.evict(pod));
    }

    @Override
    public void deleteNode(String nodeName) {
      k.mutate("deleteNode " + nodeName, () -> d.deleteNode(nodeName));
    }

    @Override
    public PodWatch watchPodsOnNode(String nodeName) {
      // The watch's cache is local to the process; closing it after the kill reaches nothing that matters.
      return k.read("watchPodsOnNode " + nodeName, () -> d.watchPodsOnNode(nodeName));
    }
  }

  static final class CrashingCloud implements CloudProvider {
    private final CloudProvider d;
    private final KillSwitch k;

    CrashingCloud(CloudProvider delegate, KillSwitch kill) {
      this.d = delegate;
      this.k = kill;
    }

    @Override
    public String name() {
      return d.name();
    }

    @Override
    public Optional<InstanceRef> instanceOf(String providerId) {
      return k.read("instanceOf", () -> d.instanceOf(providerId));
    }

    @Override
    public List<NodeGroup> nodeGroups() {
      return k.read("nodeGroups", d::nodeGroups);
    }

    @Override
    public NodeGroup nodeGroup(String groupId) {
      return k.read("nodeGroup " + groupId, () -> d.nodeGroup(groupId));
    }

    @Override
    public void setDesiredCapacity(String groupId, int desired) {
      k.mutate("setDesiredCapacity " + groupId + " " + desired, () -> d.setDesiredCapacity(groupId, desired));
    }

    @Override
    public void terminate(InstanceRef instance, boolean decrementDesired) {
      k.mutate("terminate " + instance.instanceId() + " decrement=" + decrementDesired,
          () -> d.terminate(instance, decrementDesired));
    }

    @Override
    public Optional<Boolean> isOutdated(InstanceRef instance) {
      return k.read("isOutdated", () -> d.isOutdated(instance));
    }

    @Override
    public int headroom(String groupId) {
      return k.read("headroom " + groupId, () -> d.headroom(groupId));
    }

    @Override
    public void beginRotation(String groupId) {
      k.mutate("beginRotation " + groupId, () -> d.beginRotation(groupId));
    }

    @Override
    public void endRotation(String groupId) {
      k.mutate("endRotation " + groupId, () -> d.endRotation(groupId));
    }
  }

  static final class CrashingStore implements StateStore {
    private final StateStore d;
    private final KillSwitch k;

    CrashingStore(StateStore delegate, KillSwitch kill) {
      this.d = delegate;
      this.k = kill;
    }

    @Override
    public ModeState mode() {
      return k.read("mode", d::mode);
    }

    @Override
    public ModeState freeze(String reason, String message, List<String> evidence, String by) {
      return k.mutate("freeze " + reason, () -> d.freeze(reason, message, evidence, by));
    }

    @Override
    public ModeState resume(String by) {
      return k.mutate("resume", () -> d.resume(by));
    }

    @Override
    public void saveProgress(RotationProgress progress) {
      k.mutate("saveProgress " + progress.outcome(), () -> d.saveProgress(progress));
    }

    @Override
    public Optional<RotationProgress> progress() {
      return k.read("progress", d::progress);
    }
  }
}

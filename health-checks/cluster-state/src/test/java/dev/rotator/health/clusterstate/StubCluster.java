package dev.rotator.health.clusterstate;

import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.PodWatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The read side of a cluster, as small as this check needs: nodes, Pending pods, and a switch that makes
 * every read fail. Mutations are not part of what the check may do, so they throw.
 */
final class StubCluster implements Cluster {
  final List<NodeInfo> nodes = new ArrayList<>();
  final List<PodInfo> pending = new ArrayList<>();
  RuntimeException failWith;
  int mutations;

  @Override
  public List<NodeInfo> nodes() {
    if (failWith != null) {
      throw failWith;
    }
    return List.copyOf(nodes);
  }

  @Override
  public Optional<NodeInfo> node(String name) {
    return nodes().stream().filter(n -> n.name().equals(name)).findFirst();
  }

  @Override
  public List<PodInfo> podsOnNode(String nodeName) {
    throw new UnsupportedOperationException("the check has no business listing pods on a node");
  }

  @Override
  public List<PodInfo> pendingPods() {
    if (failWith != null) {
      throw failWith;
    }
    return List.copyOf(pending);
  }

  @Override
  public List<PdbInfo> pdbs() {
    return List.of();
  }

  @Override
  public void cordon(String nodeName) {
    mutations++;
    throw new UnsupportedOperationException();
  }

  @Override
  public void uncordon(String nodeName) {
    mutations++;
    throw new UnsupportedOperationException();
  }

  @Override
  public void addTaint(String nodeName, Taint taint) {
    mutations++;
    throw new UnsupportedOperationException();
  }

  @Override
  public void removeTaint(String nodeName, String key) {
    mutations++;
    throw new UnsupportedOperationException();
  }

  @Override
  public EvictionResult evict(PodRef pod) {
    mutations++;
    throw new UnsupportedOperationException();
  }

  @Override
  public void deleteNode(String nodeName) {
    mutations++;
    throw new UnsupportedOperationException();
  }

  @Override
  public PodWatch watchPodsOnNode(String nodeName) {
    throw new UnsupportedOperationException();
  }

  static ClusterException apiDown() {
    return new ClusterException(ClusterException.Kind.RETRYABLE, "connection refused");
  }
}

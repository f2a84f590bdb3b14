package dev.rotator.core.port;

import dev.rotator.core.model.PodInfo;
import java.util.List;

/** A live, watch-fed view of the pods on one node. Close it when the node leaves the drain. */
public interface PodWatch extends AutoCloseable {

  /** The pods on the node now, as far as the watch has seen. */
  List<PodInfo> pods();

  /** True once the initial list arrived; before that {@link #pods()} must not be trusted as empty. */
  boolean synced();

  @Override
  void close();
}

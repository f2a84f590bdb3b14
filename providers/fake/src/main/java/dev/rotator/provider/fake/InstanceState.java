package dev.rotator.provider.fake;

/** Lifecycle of a fake instance. */
public enum InstanceState {
  /** Launched, not yet booted: no Node exists for it yet. */
  PROVISIONING,
  /** Booted: the simulator registers a Node for it. */
  RUNNING,
  /** Gone for good; never comes back. */
  TERMINATED;

  /** PROVISIONING and RUNNING instances count against desired capacity and quota. */
  public boolean live() {
    return this != TERMINATED;
  }
}

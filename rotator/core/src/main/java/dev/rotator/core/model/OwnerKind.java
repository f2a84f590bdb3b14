package dev.rotator.core.model;

/** The kind of a pod's controller, as far as drain decisions care. */
public enum OwnerKind {
  DAEMON_SET,
  REPLICA_SET,
  STATEFUL_SET,
  JOB,
  REPLICATION_CONTROLLER,
  /** Some other controller (a custom resource, ...). It will recreate the pod; evict it. */
  OTHER,
  /** No controller: an evicted pod is gone for good (kubectl drain refuses it without --force). */
  NONE
}

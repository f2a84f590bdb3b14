package dev.rotator.core.port;

/**
 * Where alerts go (log, Slack). Implementations must not block the rotation and must not throw: a
 * notifier that cannot deliver logs that and carries on.
 */
public interface Notifier {
  void notify(RotationEvent event);
}

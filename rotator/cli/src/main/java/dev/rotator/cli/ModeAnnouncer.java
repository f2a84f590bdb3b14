package dev.rotator.cli;

import dev.rotator.core.port.ModeState;
import dev.rotator.kubernetes.KubernetesEventRecorder;
import java.io.PrintWriter;

/**
 * Tells the team about a freeze or resume made by hand ({@code rotator freeze}, {@code rotator resume}), as a
 * freeze by a gate or from Slack is told: a Kubernetes Event on the state ConfigMap (RotatorFrozen /
 * RotatorResumed) and, when {@code slack.alerts} is on, the same Slack message a Slack command posts. The mode
 * is already persisted when this runs: an Event or Slack message that cannot be sent is a warning on stderr,
 * never a failed freeze.
 */
final class ModeAnnouncer {
  private ModeAnnouncer() {}

  static void announce(Session s, ModeState state, PrintWriter err) {
    KubernetesEventRecorder events = new KubernetesEventRecorder(s.client, s.clock,
        s.config.cluster().stateNamespace(), s.config.cluster().stateConfigMap(), "cli:" + Output.user());
    events.modeChanged(state);
    if (events.failures() > 0) {
      err.println("rotator: warning: mode " + state.mode() + " is set, but the Kubernetes Event about it could not be"
          + " created (RBAC: events create in " + s.config.cluster().stateNamespace() + "); see the log");
    }
    try {
      dev.rotator.slack.SlackRuntime.notifier(s.config.slack(), System::getenv, s.clock).ifPresent(n -> {
        try (n) {
          n.modeChanged(state); // queued; close() posts it (10 s at most) before the command returns
        }
        if (n.stats().delivered() == 0) {
          err.println("rotator: warning: mode " + state.mode() + " is set, but the Slack message could not be posted"
              + " (see the log above)");
        }
      });
    } catch (RuntimeException e) {
      err.println("rotator: warning: mode " + state.mode() + " is set, but Slack was not told: "
          + dev.rotator.slack.Secret.describe(e));
    }
  }
}

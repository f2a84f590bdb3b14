package dev.rotator.observability;

import dev.rotator.core.port.Notifier;
import dev.rotator.core.port.RotationEvent;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every event to several notifiers (the log, Kubernetes Events, metrics, Slack), each shielded from the
 * others: one that throws despite {@link Notifier}'s contract is logged and the rest still hear the event.
 */
public final class FanOutNotifier implements Notifier {
  private static final Logger LOG = LoggerFactory.getLogger(FanOutNotifier.class);
  private final List<Notifier> targets;

  public FanOutNotifier(List<Notifier> targets) {
    this.targets = List.copyOf(targets);
  }

  public static Notifier of(Notifier... targets) {
    return new FanOutNotifier(List.of(targets));
  }

  @Override
  public void notify(RotationEvent event) {
    for (Notifier n : targets) {
      try {
        n.notify(event);
      } catch (RuntimeException e) {
        // A notifier must never stop a rotation; the others still deliver.
        LOG.warn("run={} notifier {} failed on {}: {}", event.runId(), n.getClass().getSimpleName(), event.type(),
            e.toString());
      }
    }
  }
}

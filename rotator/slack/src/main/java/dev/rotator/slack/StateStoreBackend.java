package dev.rotator.slack;

import dev.rotator.core.engine.NodeProgress;
import dev.rotator.core.engine.NodeState;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.engine.RotationProgress;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.StateStore;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link CommandBackend} over the persisted {@link StateStore}: {@code /rotator freeze} writes exactly what
 * {@code rotator freeze --reason} writes (reason code MANUAL, the words as message), with {@code by =
 * slack:<userId>}, so the freeze is in the store's history and every rotator obeys it.
 */
public final class StateStoreBackend implements CommandBackend {
  private final StateStore store;
  private final Supplier<String> plan;
  private final Consumer<ModeState> onChange;

  /**
   * @param plan what the next run would rotate, as text (the CLI's plan output)
   * @param onChange told after a freeze or resume changed the mode (e.g. {@link SlackNotifier#modeChanged}),
   *     or null
   */
  public StateStoreBackend(StateStore store, Supplier<String> plan, Consumer<ModeState> onChange) {
    this.store = Objects.requireNonNull(store, "store");
    this.plan = Objects.requireNonNull(plan, "plan");
    this.onChange = onChange == null ? s -> {} : onChange;
  }

  @Override
  public String status() {
    ModeState m = store.mode();
    StringBuilder b = new StringBuilder();
    if (m.frozen()) {
      b.append(":octagonal_sign: *FREEZE* (").append(SlackMessages.escape(m.reason())).append(" by ")
          .append(SlackMessages.escape(m.by())).append(m.at() == null ? "" : " at " + m.at()).append("): ")
          .append(SlackMessages.escape(m.message()));
      for (String e : m.evidence()) {
        b.append("\n• ").append(SlackMessages.escape(e));
      }
    } else {
      b.append(":arrow_forward: *ROTATE*").append(m.by().isEmpty() ? "" : " (since " + SlackMessages.escape(m.by())
          + (m.at() == null ? "" : " at " + m.at()) + ")");
    }
    Optional<RotationProgress> p = store.progress();
    if (p.isPresent()) {
      RotationProgress r = p.get();
      Map<NodeState, Integer> counts = new EnumMap<>(NodeState.class);
      for (NodeProgress n : r.nodes()) {
        counts.merge(n.state(), 1, Integer::sum);
      }
      b.append("\nLast run `").append(SlackMessages.escape(r.runId())).append("`: ").append(r.outcome())
          .append(", started ").append(r.startedAt()).append(", ").append(r.nodes().size()).append(" node(s)");
      counts.forEach((state, n) -> b.append(", ").append(n).append(' ').append(state));
    } else {
      b.append("\nNo rotation recorded yet.");
    }
    return b.toString();
  }

  @Override
  public ModeState freeze(String reason, String by) {
    ModeState s = store.freeze(ReasonCode.MANUAL.name(), reason, List.of(), by);
    if (by.equals(s.by()) && reason.equals(s.message())) {
      onChange.accept(s);
    }
    return s;
  }

  @Override
  public ModeState resume(String by) {
    boolean wasFrozen = store.mode().frozen();
    ModeState s = store.resume(by);
    if (wasFrozen) {
      onChange.accept(s);
    }
    return s;
  }

  @Override
  public String plan() {
    return plan.get();
  }
}

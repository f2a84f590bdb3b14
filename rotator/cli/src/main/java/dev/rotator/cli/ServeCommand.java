package dev.rotator.cli;

import dev.rotator.config.ServeSettings;
import dev.rotator.core.SystemClock;
import dev.rotator.kubernetes.KubernetesEventRecorder;
import dev.rotator.kubernetes.LeaseLock;
import dev.rotator.observability.RotationMetrics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator serve. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description =
        "Runs as a long-lived controller (the Deployment of deploy/components/serve): a leader-elected reconcile loop on the"
        + " Lease rotator-lock. The leader runs one bounded pass every serve.interval, like 'run --once' (one"
        + " batch, within maintenance windows, policy.maxNodesPerRun and soak; nothing while frozen); other"
        + " replicas follow and take over once they have seen the leader's Lease unchanged for 60 s. While a serve leader runs, 'rotator run'"
        + " exits 4 naming it. Serves GET /metrics (Prometheus), /healthz and /readyz on serve.listen. Records"
        + " each step as a Kubernetes Event on the Node, and each run's start, end and freeze on the state"
        + " ConfigMap. On SIGTERM the pass in progress stops at its next wait (nodes left as they are, progress"
        + " saved), the Lease is released and the server stops.",
    footer = ExitCodes.FOOTER)
final class ServeCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Mixin LogOptions logs;
  @Spec CommandSpec spec;

  @Option(names = "--interval", paramLabel = "DURATION", converter = RunCommand.DurationConverter.class,
      description = "time between two passes of the leader (default: serve.interval, 10m)")
  Duration interval;

  @Option(names = "--listen", paramLabel = "HOST:PORT", converter = ListenConverter.class,
      description = "address of the HTTP server (default: serve.listen, 0.0.0.0:8080)")
  String listen;

  /** How often a follower asks for the Lease (sooner when the holder's lease expires sooner). */
  static final Duration LOCK_RETRY = Duration.ofSeconds(5);

  @Override
  public Integer call() throws Exception {
    if (interval != null && (interval.compareTo(dev.rotator.config.ConfigLoader.MIN_SERVE_INTERVAL) < 0
        || interval.compareTo(dev.rotator.config.ConfigLoader.MAX_SERVE_INTERVAL) > 0)) {
      throw new UsageException("--interval: expected 10s..1d (as serve.interval), got "
          + dev.rotator.config.Durations.format(interval));
    }
    ShutdownGuard guard = ShutdownGuard.install();
    try (Session s = Session.openToRotate(global)) {
      Logging.format(logs.format, s.config.logging());
      s.requireCloud();
      if (s.nativeUpgrade()) {
        throw new UsageException("serve does not drive provider.gke.strategy native yet; use the CronJob"
            + " ('rotator run --once') for GKE's native upgrade");
      }
      if (s.poolSwitch()) {
        throw new UsageException("serve does not drive strategy nodePool yet; run the switch with 'rotator run'"
            + " (a Job, or by hand): it resumes from its persisted state if interrupted");
      }
      ServeSettings settings = s.config.serve();
      String host = settings.listenHost();
      int port = settings.listenPort();
      if (listen != null) {
        int colon = listen.lastIndexOf(':');
        host = listen.substring(0, colon).replaceAll("^\\[|\\]$", "");
        port = Integer.parseInt(listen.substring(colon + 1));
      }
      Duration every = interval != null ? interval : settings.interval();
      String id = "serve-" + UUID.randomUUID().toString().substring(0, 8);
      RotationMetrics metrics = new RotationMetrics();
      KubernetesEventRecorder events = new KubernetesEventRecorder(s.client, s.clock,
          s.config.cluster().stateNamespace(), s.config.cluster().stateConfigMap(), LeaseLock.identity(id));
      metrics.eventFailures(events::failures);
      ServeLoop loop = new ServeLoop(s, SystemClock.INSTANCE, every, LOCK_RETRY, metrics, events,
          LeaseLock.identity(id));
      try (dev.rotator.slack.SlackRuntime slack = startSlack(s);
          ServeServer server = ServeServer.start(host, port, metrics, loop::alive, loop::ready)) {
        // Slack alerts beside the log; /rotator commands over HTTP (mounted here) or Socket Mode (connected).
        slack.notifier().ifPresent(s::addAlertSink);
        slack.httpHandler().ifPresent(h -> server.mount(dev.rotator.slack.SlackHttpEndpoint.PATH, h));
        PrintWriter err = spec.commandLine().getErr();
        err.println("rotator serve " + LeaseLock.identity(id) + ": http://" + host + ":" + server.port()
            + "/metrics, a pass every " + dev.rotator.config.Durations.format(every) + " while leading the Lease "
            + s.config.cluster().stateNamespace() + "/" + LeaseLock.NAME);
        err.flush();
        loop.run(Long.MAX_VALUE);
      }
      // Only a signal (or a pass interrupted by one) ends serve; the cleanup above has run.
      Thread.interrupted();
      return ExitCodes.OK;
    } finally {
      guard.done();
    }
  }

  /**
   * Slack for this serve process ({@code slack.*}; nothing when disabled): alerts, and the {@code /rotator}
   * commands over the same persisted state the CLI writes. A secret that cannot be read is a configuration error
   * (exit 2); Socket Mode that cannot connect is a runtime failure (exit 1).
   */
  private static dev.rotator.slack.SlackRuntime startSlack(Session s) {
    java.util.function.Supplier<String> plan = () -> {
      java.io.StringWriter out = new java.io.StringWriter();
      try (PrintWriter w = new PrintWriter(out)) {
        Output.plan(w, s.engine().plan(), false);
      }
      return out.toString();
    };
    try {
      return dev.rotator.slack.SlackRuntime.start(s.config.slack(), System::getenv, s.clock, s.store, plan,
          dev.rotator.slack.AuditSink.NONE);
    } catch (IllegalStateException e) {
      throw new UsageException("slack: " + e.getMessage());
    } catch (dev.rotator.slack.SlackSocketMode.SlackStartException e) {
      throw new IllegalStateException("slack: Socket Mode could not connect: " + e.getMessage(), e);
    }
  }

  /** Parses HOST:PORT the way serve.listen is parsed (for picocli's error message). */
  static final class ListenConverter implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String problem = dev.rotator.config.ConfigLoader.listenProblem(value);
      if (problem != null) {
        throw new CommandLine.TypeConversionException(problem);
      }
      return value;
    }
  }
}

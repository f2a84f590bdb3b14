package dev.rotator.slack;

import com.slack.api.Slack;
import com.slack.api.bolt.App;
import com.sun.net.httpserver.HttpHandler;
import dev.rotator.config.SlackSettings;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.StateStore;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Everything Slack, built from the {@code slack} section of rotator.yaml: the wiring {@code rotator run}, the
 * CronJob and {@code rotator serve} share. Secrets are read here, from the environment or files, and only
 * here.
 *
 * <pre>{@code
 * // run / CronJob: alerts only
 * Optional<SlackNotifier> slack = SlackRuntime.notifier(config.slack(), System::getenv, clock);
 * // serve: alerts and commands
 * SlackRuntime rt = SlackRuntime.start(config.slack(), System::getenv, clock, store, planText, auditSink);
 * rt.httpHandler().ifPresent(h -> server.createContext(SlackHttpEndpoint.PATH, h));
 * ... rt.close();
 * }</pre>
 */
public final class SlackRuntime implements AutoCloseable {
  /** Signatures remembered against replays (Slack sends far fewer commands than this in 5 minutes). */
  static final int REPLAY_CACHE = 10_000;
  /**
   * Slack's request timestamps are wall time whatever clock the rotation runs on (a scaled one in a
   * simulation), and Bolt's own check reads the system clock too.
   */
  private static final Clock WALL = dev.rotator.core.SystemClock.INSTANCE;

  private final Optional<SlackNotifier> notifier;
  private final Optional<SlackHttpEndpoint> http;
  private final Optional<SlackSocketMode> socket;
  private final Optional<RotatorCommands> commands;

  private SlackRuntime(
      Optional<SlackNotifier> notifier, Optional<SlackHttpEndpoint> http, Optional<SlackSocketMode> socket,
      Optional<RotatorCommands> commands) {
    this.notifier = notifier;
    this.http = http;
    this.socket = socket;
    this.commands = commands;
  }

  /** The Slack client for these settings. */
  static Slack slack(SlackSettings s) {
    return SlackApps.slack(s.apiUrl(), s.callTimeout());
  }

  static Secret secret(SlackSettings.SecretRef ref, Function<String, String> env) {
    SecretSource src = ref.env() ? SecretSource.env(ref.name()) : SecretSource.file(ref.name());
    return src.resolve(env);
  }

  /**
   * The alert notifier, when {@code slack.enabled} and {@code slack.alerts.enabled}; its worker thread is
   * running. Close it at the end of the run (it flushes with a deadline).
   *
   * @throws IllegalStateException naming the variable or file when the bot token cannot be read
   */
  public static Optional<SlackNotifier> notifier(SlackSettings s, Function<String, String> env, Clock clock) {
    if (!s.alertsOn()) {
      return Optional.empty();
    }
    Secret bot = secret(s.botToken().orElseThrow(), env);
    return Optional.of(notifier(s, slack(s), bot, clock));
  }

  private static SlackNotifier notifier(SlackSettings s, Slack slack, Secret bot, Clock clock) {
    SlackSettings.Alerts a = s.alerts();
    SlackNotifier.Options o =
        new SlackNotifier.Options(a.channel(), a.nodeUpdates(), a.queueCapacity(), a.maxAttempts(), a.initialBackoff(),
            a.maxBackoff(), a.maxRetryAfter());
    SlackMessages m = new SlackMessages(a.runbookBaseUrl(), a.mentionGroup(), a.clusterName());
    return new SlackNotifier(slack.methods(bot.reveal()), o, m, clock);
  }

  /** The authorization rules of {@code slack.commands}. */
  public static CommandPolicy policy(SlackSettings.Commands c) {
    return new CommandPolicy(
        Set.copyOf(c.teams()), Set.copyOf(c.channels()), new HashSet<>(c.freeze().users()),
        new HashSet<>(c.freeze().groups()), new HashSet<>(c.resume().users()), new HashSet<>(c.resume().groups()));
  }

  /**
   * For {@code rotator serve}: the notifier (if alerts are on) and the commands (if on) over {@code store}.
   * In HTTP mode, mount {@link #httpHandler()} at {@link SlackHttpEndpoint#PATH}; in Socket Mode the
   * connection is opened here. Freezes and resumes from Slack are announced through the notifier.
   *
   * @param plan what the next run would rotate, as text (called per {@code /rotator plan}, on the commands'
   *     plan worker thread, not on the request thread; it may be interrupted after its time bound)
   * @param audit every command with its outcome (refusals too), or null
   * @throws IllegalStateException when a secret cannot be read
   * @throws SlackSocketMode.SlackStartException when Socket Mode cannot connect
   */
  public static SlackRuntime start(
      SlackSettings s, Function<String, String> env, Clock clock, StateStore store, Supplier<String> plan,
      AuditSink audit) throws SlackSocketMode.SlackStartException {
    Objects.requireNonNull(store, "store");
    if (!s.enabled()) {
      return new SlackRuntime(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }
    Slack slack = slack(s);
    Optional<Secret> bot = s.botToken().map(r -> secret(r, env));
    Optional<SlackNotifier> notifier =
        s.alertsOn() ? Optional.of(notifier(s, slack, bot.orElseThrow(), clock)) : Optional.empty();
    if (!s.commandsOn()) {
      return new SlackRuntime(notifier, Optional.empty(), Optional.empty(), Optional.empty());
    }
    SlackSettings.Commands c = s.commands();
    GroupDirectory groups =
        bot.<GroupDirectory>map(b -> new SlackGroupDirectory(slack.methods(b.reveal()), clock, c.groupCacheTtl()))
            .orElse(g -> {
              throw new GroupDirectory.GroupLookupException("no bot token configured to list user group " + g);
            });
    RotatorCommands commands =
        new RotatorCommands(
            new StateStoreBackend(store, plan, st -> notifier.ifPresent(n -> n.modeChanged(st))), policy(c), groups,
            audit, clock, c.command());
    try {
      if (c.mode() == SlackSettings.Mode.HTTP) {
        Secret signing = secret(s.signingSecret().orElseThrow(), env);
        App app = SlackApps.httpApp(slack, signing, commands);
        app.start();
        SlackHttpEndpoint endpoint = new SlackHttpEndpoint(app, new SlackRequestVerifier(signing, WALL, REPLAY_CACHE));
        return new SlackRuntime(notifier, Optional.of(endpoint), Optional.empty(), Optional.of(commands));
      }
      Secret appToken = secret(s.appToken().orElseThrow(), env);
      SlackSocketMode socket = new SlackSocketMode(SlackApps.socketApp(slack, commands), appToken);
      socket.start();
      return new SlackRuntime(notifier, Optional.empty(), Optional.of(socket), Optional.of(commands));
    } catch (RuntimeException | SlackSocketMode.SlackStartException e) {
      commands.close();
      notifier.ifPresent(n -> n.close(java.time.Duration.ZERO));
      throw e;
    }
  }

  /** The alert notifier, to add to the run's notifier chain. */
  public Optional<SlackNotifier> notifier() {
    return notifier;
  }

  /** The handler to mount at {@link SlackHttpEndpoint#PATH} (HTTP mode only). */
  public Optional<HttpHandler> httpHandler() {
    return http.map(h -> h);
  }

  /** Stops Socket Mode and the plan worker, and flushes the notifier (10 s at most). */
  @Override
  public void close() {
    socket.ifPresent(SlackSocketMode::close);
    http.ifPresent(SlackHttpEndpoint::close);
    commands.ifPresent(RotatorCommands::close);
    notifier.ifPresent(SlackNotifier::close);
  }
}

package dev.rotator.slack;

import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.request.chat.ChatPostMessageRequest;
import com.slack.api.methods.response.chat.ChatPostMessageResponse;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.Notifier;
import dev.rotator.core.port.RotationEvent;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotation events to a Slack channel, never in the rotation's way.
 *
 * <ol>
 *   <li>{@link #notify} and {@link #modeChanged} only put a message in a bounded queue and return: they
 *       never block on Slack and never throw.
 *   <li>One daemon worker posts the queue in order with chat.postMessage. Node updates go into the thread
 *       of their run's "started" message ({@code thread_ts}), so a 200-node rotation is one message in the
 *       channel.
 *   <li>HTTP 429 (or {@code ratelimited}): wait {@code Retry-After} (capped at {@link Options#maxRetryAfter})
 *       and retry; network errors and 5xx: exponential backoff; at most {@link Options#maxAttempts} tries,
 *       then the message is logged and dropped ({@link Stats#failed}). Permanent errors (bad token, unknown
 *       channel) are not retried.
 *   <li>A full queue drops the oldest node update first, then the oldest other message; a freeze is never
 *       dropped to make room ({@link Stats#dropped}).
 *   <li>All waiting goes through the injected {@link Clock}, so tests run on a manual clock.
 * </ol>
 */
public final class SlackNotifier implements Notifier, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SlackNotifier.class);
  /** Slack errors that another try will not fix. */
  private static final Set<String> PERMANENT =
      Set.of(
          "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission",
          "missing_scope", "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks",
          "invalid_arguments", "msg_too_long", "no_text", "restricted_action", "team_access_not_granted");
  private static final int MAX_THREADS_TRACKED = 64;

  /**
   * How the notifier posts.
   *
   * @param channel channel ID (C0123...) or name the bot is a member of
   * @param nodeDone post one threaded message per rotated node
   * @param queueCapacity messages waiting at most (freezes may exceed it, up to twice)
   * @param maxAttempts tries per message, 429s included
   * @param initialBackoff first wait after a network error or 5xx; doubles up to maxBackoff
   * @param maxBackoff longest backoff
   * @param maxRetryAfter longest wait honoured from a 429's Retry-After
   */
  public record Options(
      String channel,
      boolean nodeDone,
      int queueCapacity,
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      Duration maxRetryAfter) {
    public static final int DEFAULT_QUEUE_CAPACITY = 500;
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(60);

    public Options {
      Objects.requireNonNull(channel, "channel");
      if (channel.isBlank()) {
        throw new IllegalArgumentException("channel must not be empty");
      }
      if (queueCapacity < 1 || maxAttempts < 1) {
        throw new IllegalArgumentException("queueCapacity and maxAttempts must be at least 1");
      }
      Objects.requireNonNull(initialBackoff, "initialBackoff");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
    }

    public static Options defaults(String channel) {
      return new Options(
          channel, true, DEFAULT_QUEUE_CAPACITY, DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF,
          DEFAULT_MAX_RETRY_AFTER);
    }
  }

  /**
   * Counters since start.
   *
   * @param delivered messages Slack accepted
   * @param failed messages given up after retries or a permanent error
   * @param dropped messages dropped because the queue was full or the notifier closed
   * @param queued messages waiting now
   */
  public record Stats(long delivered, long failed, long dropped, int queued) {}

  /** A queued message. rank: 0 node update (dropped first), 1 other, 2 freeze (never dropped for room). */
  private record Item(String runId, boolean threaded, int rank, String what, SlackMessage message) {}

  /** What the notifier remembers of a run, to thread and summarise it. */
  private static final class Run {
    Instant startedAt;
    int nodesDone;
    String threadTs;
  }

  private final MethodsClient client;
  private final Options options;
  private final SlackMessages messages;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Deque<Item> queue = new ArrayDeque<>();
  private final Map<String, Run> runs =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Run> eldest) {
          return size() > MAX_THREADS_TRACKED;
        }
      };
  private final Thread worker;
  private boolean busy;
  private boolean closed;
  /** Set when close() gives up waiting: the worker stops retrying at once. */
  private volatile boolean abandon;
  private long delivered;
  private long failed;
  private long dropped;

  /**
   * Starts the worker thread.
   *
   * @param client a Slack methods client holding the bot token ({@code slack.methods(token)})
   */
  public SlackNotifier(MethodsClient client, Options options, SlackMessages messages, Clock clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.options = Objects.requireNonNull(options, "options");
    this.messages = Objects.requireNonNull(messages, "messages");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.worker = new Thread(this::work, "slack-notifier");
    worker.setDaemon(true);
    worker.start();
  }

  @Override
  public void notify(RotationEvent event) {
    try {
      lock.lock();
      try {
        Item item = itemFor(event);
        if (item != null) {
          enqueue(item);
        }
      } finally {
        lock.unlock();
      }
    } catch (RuntimeException e) {
      // The port's contract: never throw into the engine. A message that cannot be built is logged.
      LOG.warn("slack: could not queue {} event of run {}: {}", event == null ? null : event.type(),
          event == null ? null : event.runId(), Secret.describe(e));
    }
  }

  /**
   * The persisted mode changed outside the engine (a human resumed, or froze by hand): tells the channel.
   * The engine's own freezes arrive as FROZEN events through {@link #notify}. Never blocks or throws.
   */
  public void modeChanged(ModeState state) {
    try {
      SlackMessage m = messages.modeChanged(state);
      lock.lock();
      try {
        enqueue(new Item("", false, state.frozen() ? 2 : 1, state.frozen() ? "freeze" : "resume", m));
      } finally {
        lock.unlock();
      }
    } catch (RuntimeException e) {
      LOG.warn("slack: could not queue mode change to {}: {}", state == null ? null : state.mode(), Secret.describe(e));
    }
  }

  public Stats stats() {
    lock.lock();
    try {
      return new Stats(delivered, failed, dropped, queue.size());
    } finally {
      lock.unlock();
    }
  }

  /** Called with the lock held. Null when nothing is to be posted. */
  private Item itemFor(RotationEvent e) {
    Run run = runs.computeIfAbsent(e.runId(), k -> new Run());
    switch (e.type()) {
      case STARTED -> {
        run.startedAt = e.at();
        return new Item(e.runId(), false, 1, "started", messages.event(e, 0, Optional.empty()));
      }
      case NODE_DONE -> {
        run.nodesDone++;
        return options.nodeDone()
            ? new Item(e.runId(), true, 0, "node " + e.node(), messages.event(e, run.nodesDone, Optional.empty()))
            : null;
      }
      case FINISHED -> {
        Optional<Duration> took =
            run.startedAt == null || e.at() == null ? Optional.empty() : Optional.of(Duration.between(run.startedAt, e.at()));
        return new Item(e.runId(), false, 1, "finished", messages.event(e, run.nodesDone, took));
      }
      case FROZEN -> {
        return new Item(e.runId(), false, 2, "freeze", messages.event(e, run.nodesDone, Optional.empty()));
      }
      case ERROR -> {
        return new Item(e.runId(), false, 1, "error", messages.event(e, run.nodesDone, Optional.empty()));
      }
      default -> {
        // Event types added to the port later: informative, threaded under the run like node updates.
        return new Item(e.runId(), true, 0, lowerName(e), messages.event(e, run.nodesDone, Optional.empty()));
      }
    }
  }

  private static String lowerName(RotationEvent e) {
    return e.type().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Called with the lock held. */
  private void enqueue(Item item) {
    if (closed) {
      dropped++;
      LOG.warn("slack: notifier closed, dropped the {} message", item.what());
      return;
    }
    if (queue.size() >= options.queueCapacity()) {
      if (!makeRoom(item)) {
        dropped++;
        LOG.warn("slack: queue full ({} messages), dropped the new {} message", queue.size(), item.what());
        return;
      }
    }
    queue.addLast(item);
    changed.signalAll();
  }

  /** Drops the oldest node update, else the oldest droppable message; freezes only ever grow the queue. */
  private boolean makeRoom(Item incoming) {
    for (int rank = 0; rank <= 1; rank++) {
      if (rank > incoming.rank()) {
        break;
      }
      Iterator<Item> it = queue.iterator();
      while (it.hasNext()) {
        Item old = it.next();
        if (old.rank() == rank) {
          it.remove();
          dropped++;
          LOG.warn("slack: queue full, dropped the oldest {} message (run {})", old.what(), old.runId());
          return true;
        }
      }
    }
    // Only freezes left (or the incoming is less important than all of them): a freeze may exceed the
    // capacity, up to twice it; nothing else may.
    return incoming.rank() == 2 && queue.size() < 2 * options.queueCapacity();
  }

  private void work() {
    while (true) {
      Item item;
      lock.lock();
      try {
        busy = false;
        changed.signalAll();
        while (queue.isEmpty() && !closed) {
          changed.await();
        }
        if (queue.isEmpty()) {
          return;
        }
        item = queue.pollFirst();
        busy = true;
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      try {
        deliver(item);
      } catch (InterruptedException e) {
        lock.lock();
        try {
          dropped++;
          busy = false;
          changed.signalAll();
        } finally {
          lock.unlock();
        }
        LOG.warn("slack: stopped while delivering the {} message; dropped", item.what());
        return;
      } catch (RuntimeException e) {
        count(false);
        LOG.error("slack: could not post the {} message: {}", item.what(), Secret.describe(e));
      }
    }
  }

  private void deliver(Item item) throws InterruptedException {
    String threadTs = null;
    if (item.threaded()) {
      lock.lock();
      try {
        Run run = runs.get(item.runId());
        threadTs = run == null ? null : run.threadTs;
      } finally {
        lock.unlock();
      }
    }
    ChatPostMessageRequest req =
        ChatPostMessageRequest.builder()
            .channel(options.channel())
            .text(item.message().text())
            .blocks(item.message().blocks())
            .threadTs(threadTs)
            .unfurlLinks(false)
            .build();
    Duration backoff = options.initialBackoff();
    String lastProblem = "";
    for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
      if (abandon) {
        throw new InterruptedException("closing");
      }
      Duration wait;
      try {
        ChatPostMessageResponse resp = client.chatPostMessage(req);
        if (resp.isOk()) {
          if ("started".equals(item.what())) {
            lock.lock();
            try {
              runs.computeIfAbsent(item.runId(), k -> new Run()).threadTs = resp.getTs();
            } finally {
              lock.unlock();
            }
          }
          count(true);
          return;
        }
        String error = String.valueOf(resp.getError());
        lastProblem = "Slack error " + error;
        if (PERMANENT.contains(error)) {
          count(false);
          LOG.error("slack: the {} message was refused ({}), not retried: check slack.botToken*, the channel and"
              + " the bot's scopes", item.what(), error);
          return;
        }
        wait = backoff;
        backoff = next(backoff);
      } catch (SlackApiException e) {
        int code = e.getResponse() == null ? 0 : e.getResponse().code();
        lastProblem = "HTTP " + code;
        if (code == 429) {
          wait = retryAfter(e).orElse(backoff);
          if (wait.compareTo(options.maxRetryAfter()) > 0) {
            wait = options.maxRetryAfter();
          }
          LOG.info("slack: rate limited, retrying the {} message in {}", item.what(), wait);
        } else if (code >= 500 || code == 408) {
          wait = backoff;
          backoff = next(backoff);
        } else {
          count(false);
          LOG.error("slack: the {} message was refused with HTTP {}, not retried", item.what(), code);
          return;
        }
      } catch (IOException e) {
        lastProblem = Secret.describe(e);
        wait = backoff;
        backoff = next(backoff);
        if (attempt == 1) {
          LOG.warn("slack: cannot reach Slack ({}); the {} message waits and retries", lastProblem, item.what());
        }
      }
      if (attempt < options.maxAttempts()) {
        clock.sleep(wait);
      }
    }
    count(false);
    LOG.error("slack: gave up on the {} message (run {}) after {} attempts: {}; rotation continues",
        item.what(), item.runId(), options.maxAttempts(), lastProblem);
  }

  private Duration next(Duration d) {
    Duration n = d.multipliedBy(2);
    return n.compareTo(options.maxBackoff()) > 0 ? options.maxBackoff() : n;
  }

  private static Optional<Duration> retryAfter(SlackApiException e) {
    String h = e.getResponse().header("Retry-After");
    if (h == null) {
      return Optional.empty();
    }
    try {
      long s = Long.parseLong(h.strip());
      return s < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(s));
    } catch (NumberFormatException notSeconds) {
      return Optional.empty();
    }
  }

  private void count(boolean ok) {
    lock.lock();
    try {
      if (ok) {
        delivered++;
      } else {
        failed++;
      }
    } finally {
      lock.unlock();
    }
  }

  /** {@link #close(Duration)} with 10 seconds. */
  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  /**
   * Stops taking messages and waits up to {@code deadline} (wall time) for the queue to be posted; what is
   * left after that is dropped and counted. Returns early when everything is posted.
   */
  public void close(Duration deadline) {
    long remaining = deadline.toNanos();
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
      while ((!queue.isEmpty() || busy) && remaining > 0) {
        remaining = changed.awaitNanos(remaining);
      }
      if (!queue.isEmpty()) {
        dropped += queue.size();
        LOG.warn("slack: {} message(s) not posted before the close deadline; dropped", queue.size());
        queue.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
    abandon = true;
    worker.interrupt();
    try {
      worker.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.rotator.health.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.HealthCheck;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The etcd quorum gate for self-managed control planes: may rotator take one more control-plane
 * node (and with it, possibly, an etcd member) away?
 *
 * <p>One evaluation, all requests in parallel and each bounded by {@link Settings#timeout()}, so
 * one evaluation takes at most {@code timeout + 500 ms} however many members hang:
 *
 * <ol>
 *   <li>to every configured member, through the etcd v3 JSON gateway on its client URL: {@code GET
 *       /health} (true only when the member has a leader and a linearizable read through the raft
 *       quorum succeeds), {@code POST /v3/maintenance/status} (its member id, the leader it
 *       follows, raft term, errors such as {@code etcdserver: no leader}) and {@code POST
 *       /v3/cluster/member/list} (how many voting members the cluster really has);
 *   <li>a member is <b>healthy</b> when {@code /health} says true and its status answers with a
 *       member id, a leader and no errors. No answer (refused, timeout, TLS failure) is unhealthy:
 *       fail closed;
 *   <li>healthy members are counted once per member id (two endpoints reaching the same member,
 *       e.g. a name and an IP, must not fake a majority);
 *   <li>{@code membersTotal} is the larger of the configured endpoints and the voting members the
 *       cluster reports, {@code quorumNeeded = membersTotal / 2 + 1};
 *   <li>HEALTHY only when at least {@code quorumNeeded} members are healthy, all healthy members
 *       name the same leader, that leader is one of the healthy members, and all belong to one
 *       cluster id. Otherwise UNHEALTHY ({@link ReasonCode#ETCD_QUORUM}), naming each failed member
 *       and why.
 * </ol>
 *
 * UNKNOWN only when the check itself breaks (a bug, an interrupt): an etcd that does not answer is
 * a definite UNHEALTHY, since a control-plane rotation must never proceed on an unverified quorum.
 *
 * <p>Uses the JDK's {@link HttpClient} (no jetcd, no gRPC); https endpoints with an optional CA and
 * client certificate in PEM ({@link PemTls}); certificate and host name verification are never
 * disabled.
 */
public final class EtcdQuorumCheck implements HealthCheck {

  /** The check's stable name. */
  public static final String NAME = "etcd";

  /** Slack on top of the per-request timeout before an evaluation stops waiting for a request. */
  static final Duration GRACE = Duration.ofMillis(500);

  private static final int MAX_BODY_IN_REASON = 200;

  /**
   * Where and how to reach etcd.
   *
   * @param endpoints every member's client URL ({@code http(s)://host:port}), all members of the
   *     cluster
   * @param timeout bound of each request; a member not answering within it counts as unhealthy
   * @param caFile PEM CA bundle for https endpoints; null: the JVM's default trust store
   * @param certFile PEM client certificate (etcd's {@code --client-cert-auth}); null: none
   * @param keyFile PEM private key of {@code certFile} (PKCS#8, PKCS#1 or SEC1, unencrypted); null:
   *     none
   */
  public record Settings(
      List<URI> endpoints, Duration timeout, Path caFile, Path certFile, Path keyFile) {
    /** Requests slower than this are never a healthy etcd; longer values only stall the gate. */
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(30);

    public Settings {
      Objects.requireNonNull(endpoints, "endpoints");
      Objects.requireNonNull(timeout, "timeout");
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("etcd endpoints: at least one member URL is required");
      }
      List<URI> normalized = new ArrayList<>();
      Set<URI> seen = new HashSet<>();
      for (URI u : endpoints) {
        URI n = normalize(u);
        if (!seen.add(n)) {
          throw new IllegalArgumentException("etcd endpoints: " + n + " is listed twice");
        }
        normalized.add(n);
      }
      endpoints = List.copyOf(normalized);
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "etcd timeout must be > 0 and <= " + MAX_TIMEOUT.toSeconds() + "s, got " + timeout);
      }
      if ((certFile == null) != (keyFile == null)) {
        throw new IllegalArgumentException(
            "etcd certFile and keyFile go together: set both or neither");
      }
      boolean anyTls = endpoints.stream().anyMatch(e -> e.getScheme().equals("https"));
      if (!anyTls && (caFile != null || certFile != null)) {
        // A CA or client certificate with only http endpoints means the operator believes the
        // traffic is
        // protected when it is not: refuse rather than ignore.
        throw new IllegalArgumentException(
            "etcd caFile/certFile/keyFile are set but no endpoint uses https");
      }
    }

    /** etcd's own default client URL, 2 s per request, no TLS. */
    public static Settings defaults() {
      return new Settings(
          List.of(URI.create("http://127.0.0.1:2379")), Duration.ofSeconds(2), null, null, null);
    }

    public Settings withEndpoints(List<URI> newEndpoints) {
      return new Settings(newEndpoints, timeout, caFile, certFile, keyFile);
    }

    public Settings withTimeout(Duration newTimeout) {
      return new Settings(endpoints, newTimeout, caFile, certFile, keyFile);
    }

    public Settings withTls(Path newCaFile, Path newCertFile, Path newKeyFile) {
      return new Settings(endpoints, timeout, newCaFile, newCertFile, newKeyFile);
    }

    boolean usesTls() {
      return endpoints.stream().anyMatch(e -> e.getScheme().equals("https"));
    }

    private static URI normalize(URI u) {
      Objects.requireNonNull(u, "etcd endpoint");
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException("etcd endpoint " + u + ": scheme must be http or https");
      }
      if (u.getHost() == null || u.getPort() < 0) {
        throw new IllegalArgumentException(
            "etcd endpoint "
                + u
                + ": needs a host and an explicit port, e.g. https://10.0.0.1:2379");
      }
      String path = u.getRawPath();
      if ((path != null && !path.isEmpty() && !path.equals("/"))
          || u.getRawQuery() != null
          || u.getRawFragment() != null
          || u.getRawUserInfo() != null) {
        throw new IllegalArgumentException(
            "etcd endpoint " + u + ": only scheme://host:port, no path, query or credentials");
      }
      return URI.create(scheme + "://" + u.getRawAuthority());
    }
  }

  private final Settings settings;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * @throws InvalidTlsMaterialException when a configured CA, certificate or key cannot be used
   */
  public EtcdQuorumCheck(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    HttpClient.Builder b =
        HttpClient.newBuilder()
            // etcd multiplexes gRPC and the JSON gateway on one port; HTTP/1.1 always lands on the
            // gateway, where an h2c upgrade or ALPN h2 could be taken for gRPC.
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(settings.timeout());
    if (settings.usesTls()) {
      b.sslContext(PemTls.sslContext(settings.caFile(), settings.certFile(), settings.keyFile()));
    }
    this.http = b.build();
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ReasonCode reasonCode() {
    return ReasonCode.ETCD_QUORUM;
  }

  @Override
  public CheckResult check() {
    try {
      List<CompletableFuture<Member>> probes = new ArrayList<>();
      for (URI e : settings.endpoints()) {
        probes.add(probe(e));
      }
      // Every probe completes by itself within timeout + GRACE (completeOnTimeout), so this wait is
      // bounded.
      CompletableFuture.allOf(probes.toArray(new CompletableFuture<?>[0])).get();
      List<Member> members = new ArrayList<>();
      for (CompletableFuture<Member> p : probes) {
        members.add(p.get());
      }
      return evaluate(members);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CheckResult.unknown(NAME, "interrupted while asking etcd");
    } catch (ExecutionException | RuntimeException e) {
      return CheckResult.unknown(NAME, "etcd check failed: " + e);
    }
  }

  // --- one member --------------------------------------------------------------------------------

  /** One HTTP exchange: a status code and body, or why there was none. */
  private record Answer(int code, String body, String failure) {
    boolean answered() {
      return failure == null;
    }
  }

  /**
   * The cluster's membership as one member sees it: voting members, and learners (ids in hex),
   * which follow the log but never count towards quorum.
   */
  record Membership(int voting, Set<String> learners) {}

  /** What one configured endpoint told us. */
  record Member(
      URI endpoint,
      boolean healthy,
      String id,
      String leader,
      long raftTerm,
      String clusterId,
      String version,
      Membership membership,
      List<String> problems) {

    String describe() {
      if (healthy) {
        return "healthy id="
            + id
            + " leader="
            + leader
            + " term="
            + raftTerm
            + " version="
            + version;
      }
      return "unhealthy: " + String.join("; ", problems);
    }
  }

  private CompletableFuture<Member> probe(URI endpoint) {
    CompletableFuture<Answer> health = send(get(endpoint, "/health"));
    CompletableFuture<Answer> status = send(post(endpoint, "/v3/maintenance/status"));
    CompletableFuture<Answer> list = send(post(endpoint, "/v3/cluster/member/list"));
    return CompletableFuture.allOf(health, status, list)
        .thenApply(v -> member(endpoint, health.join(), status.join(), list.join()));
  }

  private HttpRequest get(URI endpoint, String path) {
    return HttpRequest.newBuilder(endpoint.resolve(path)).timeout(settings.timeout()).GET().build();
  }

  private HttpRequest post(URI endpoint, String path) {
    return HttpRequest.newBuilder(endpoint.resolve(path))
        .timeout(settings.timeout())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}"))
        .build();
  }

  private CompletableFuture<Answer> send(HttpRequest request) {
    long ms = settings.timeout().toMillis();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (resp, err) ->
                err == null
                    ? new Answer(resp.statusCode(), resp.body(), null)
                    : new Answer(0, "", failure(err)))
        .completeOnTimeout(
            new Answer(0, "", "no answer within " + ms + " ms"),
            ms + GRACE.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  private Member member(URI endpoint, Answer health, Answer status, Answer list) {
    Set<String> problems = new LinkedHashSet<>();
    boolean healthOk = false;
    if (!health.answered()) {
      problems.add(health.failure());
    } else {
      JsonNode h = parse(health.body());
      if (h != null && health.code() == 200 && h.path("health").asText("").equals("true")) {
        healthOk = true;
      } else if (h != null && h.has("health")) {
        String reason = h.path("reason").asText("");
        problems.add(
            "health="
                + h.path("health").asText()
                + (reason.isEmpty() ? "" : " (" + reason + ")")
                + (health.code() == 200 ? "" : " HTTP " + health.code()));
      } else {
        problems.add("/health answered HTTP " + health.code() + ": " + snippet(health.body()));
      }
    }

    String id = null;
    String leader = null;
    long term = -1;
    String clusterId = null;
    String version = "";
    if (!status.answered()) {
      problems.add(status.failure());
    } else {
      JsonNode s = parse(status.body());
      if (status.code() != 200 || s == null) {
        problems.add("status answered HTTP " + status.code() + ": " + snippet(status.body()));
      } else {
        id = hexId(s.path("header").path("member_id"));
        clusterId = hexId(s.path("header").path("cluster_id"));
        leader = hexId(s.path("leader"));
        term = s.path("raftTerm").asLong(-1);
        version = s.path("version").asText("");
        List<String> errors = new ArrayList<>();
        s.path("errors").forEach(e -> errors.add(e.asText()));
        if (id == null) {
          problems.add("status names no member id");
        }
        if (leader == null) {
          problems.add("sees no leader");
        }
        if (!errors.isEmpty()) {
          problems.add("errors " + errors);
        }
      }
    }

    Membership membership = null;
    if (list.answered() && list.code() == 200) {
      JsonNode l = parse(list.body());
      if (l != null && l.path("members").isArray()) {
        int voting = 0;
        Set<String> learners = new TreeSet<>();
        for (JsonNode m : l.path("members")) {
          if (m.path("isLearner").asBoolean(false)) {
            String learner = hexId(m.path("ID"));
            if (learner != null) {
              learners.add(learner);
            }
          } else {
            voting++;
          }
        }
        membership = new Membership(voting, Set.copyOf(learners));
      }
    }
    boolean healthy = healthOk && id != null && leader != null && problems.isEmpty();
    return new Member(
        endpoint, healthy, id, leader, term, clusterId, version, membership, List.copyOf(problems));
  }

  // --- the verdict -------------------------------------------------------------------------------

  CheckResult evaluate(List<Member> members) {
    int configured = members.size();
    Map<String, Member> healthyById = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>();
    for (Member m : members) {
      if (!m.healthy()) {
        continue;
      }
      Member first = healthyById.putIfAbsent(m.id(), m);
      if (first != null) {
        notes.add(
            m.endpoint()
                + " is the same member ("
                + m.id()
                + ") as "
                + first.endpoint()
                + ", counted once");
      }
    }
    Set<String> leaders = new TreeSet<>();
    Set<String> clusters = new TreeSet<>();
    long term = -1;
    for (Member m : healthyById.values()) {
      leaders.add(m.leader());
      clusters.add(m.clusterId());
      term = Math.max(term, m.raftTerm());
    }
    String leader = leaders.size() == 1 ? leaders.iterator().next() : null;
    Member leaderMember = leader == null ? null : healthyById.get(leader);

    // The leader's own view of the membership is authoritative; any healthy member's will do
    // otherwise.
    Membership membership = null;
    if (leaderMember != null && leaderMember.membership() != null) {
      membership = leaderMember.membership();
    } else {
      for (Member m : healthyById.values()) {
        if (m.membership() != null) {
          membership = m.membership();
          break;
        }
      }
    }
    Integer clusterMembers = membership == null ? null : membership.voting();
    Set<String> learners = membership == null ? Set.of() : membership.learners();
    // A learner replicates the log but does not vote: it neither counts as healthy nor as a member.
    int configuredLearners = 0;
    for (Member m : members) {
      if (m.id() != null && learners.contains(m.id())) {
        configuredLearners++;
        notes.add(m.endpoint() + " is a learner (" + m.id() + "), not counted towards quorum");
      }
    }
    int total =
        Math.max(configured - configuredLearners, clusterMembers == null ? 0 : clusterMembers);
    int quorum = total / 2 + 1;
    int healthyCount =
        (int) healthyById.keySet().stream().filter(id -> !learners.contains(id)).count();

    Map<String, String> values = new LinkedHashMap<>();
    values.put("membersHealthy", Integer.toString(healthyCount));
    values.put("membersTotal", Integer.toString(total));
    values.put("quorumNeeded", Integer.toString(quorum));
    values.put(
        "leader",
        leaderMember != null ? leader : leaders.isEmpty() ? "none" : String.join(",", leaders));
    values.put("leaderEndpoint", leaderMember != null ? leaderMember.endpoint().toString() : "");
    values.put("raftTerm", term < 0 ? "" : Long.toString(term));
    values.put("membersConfigured", Integer.toString(configured));
    values.put("clusterMembers", clusterMembers == null ? "unknown" : clusterMembers.toString());
    for (Member m : members) {
      values.put("member " + m.endpoint(), m.describe());
    }

    List<String> problems = new ArrayList<>();
    boolean quorate = healthyCount >= quorum;
    String counts =
        healthyCount
            + "/"
            + total
            + " etcd members healthy"
            + (quorate ? " (quorum " + quorum + ")" : ", quorum needs " + quorum);
    if (clusters.size() > 1) {
      problems.add("endpoints belong to different etcd clusters " + clusters);
    }
    if (healthyCount > 0) {
      if (leaders.size() > 1) {
        problems.add("healthy members disagree on the leader " + leaders);
      } else if (leaderMember == null) {
        problems.add(
            "leader "
                + leader
                + " is not among the healthy configured members"
                + " (configure every member's client URL)");
      }
    } else {
      problems.add("no leader seen");
    }
    List<String> failed = new ArrayList<>();
    for (Member m : members) {
      if (!m.healthy()) {
        failed.add(m.endpoint() + " (" + String.join("; ", m.problems()) + ")");
      }
    }
    if (!quorate || !problems.isEmpty()) {
      problems.add(0, counts);
      String reason =
          String.join("; ", problems)
              + (failed.isEmpty() ? "" : "; failed: " + String.join(", ", failed))
              + (notes.isEmpty() ? "" : "; " + String.join("; ", notes));
      return CheckResult.unhealthy(NAME, reason, values);
    }
    String reason =
        counts
            + ", leader "
            + leader
            + " at "
            + leaderMember.endpoint()
            + ", raft term "
            + term
            + (failed.isEmpty() ? "" : "; failed: " + String.join(", ", failed))
            + (notes.isEmpty() ? "" : "; " + String.join("; ", notes));
    return CheckResult.healthy(NAME, reason, values);
  }

  // --- helpers -----------------------------------------------------------------------------------

  private JsonNode parse(String body) {
    try {
      JsonNode n = json.readTree(body);
      return n != null && n.isObject() ? n : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** etcd ids are uint64, sent as decimal strings; etcdctl and logs print them in hex. */
  static String hexId(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return null;
    }
    String text = node.asText("").trim();
    if (text.isEmpty()) {
      return null;
    }
    try {
      long v = Long.parseUnsignedLong(text);
      return v == 0 ? null : Long.toHexString(v);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String failure(Throwable err) {
    Throwable t = err;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof HttpTimeoutException) {
      return "no answer within timeout (" + t.getMessage() + ")";
    }
    if (t instanceof ConnectException) {
      return "connection refused or unreachable";
    }
    if (t instanceof SSLException || (t.getCause() instanceof SSLException)) {
      Throwable ssl = t instanceof SSLException ? t : t.getCause();
      return "TLS failure: " + ssl.getMessage();
    }
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
  }

  private static String snippet(String body) {
    String b = body == null ? "" : body.strip().replaceAll("\\s+", " ");
    return b.length() <= MAX_BODY_IN_REASON ? b : b.substring(0, MAX_BODY_IN_REASON) + "…";
  }
}

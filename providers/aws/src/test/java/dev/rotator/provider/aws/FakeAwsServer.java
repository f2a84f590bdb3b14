package dev.rotator.provider.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stateful, wire-level fake of the parts of EC2 Auto Scaling, EC2 and Service Quotas the AWS provider
 * uses, on 127.0.0.1, for the real SDK clients pointed at it with {@code endpointOverride}.
 *
 * <p>Protocols: Auto Scaling (2011-01-01) and EC2 (2016-11-15) are the Query protocol (form-encoded POST
 * with {@code Action}/{@code Version}; XML answers, Auto Scaling's wrapped in {@code <ActionResult>}, EC2's
 * not; errors as {@code <ErrorResponse>} and {@code <Response><Errors>}). Service Quotas is JSON 1.1
 * ({@code X-Amz-Target: ServiceQuotasV20190624.GetServiceQuota}). SigV4 signatures are not checked.
 *
 * <p>Behaviour: groups launch instances up to their desired capacity and scale in above it, like an ASG,
 * on every request (a launched instance is {@code Pending} until the next request, then {@code InService};
 * a terminated one is {@code Terminating} until the next request, then gone). Instances launched from a
 * template report the version the group specified (symbolic {@code $Latest} stays symbolic, as the ASG API
 * does) and carry EC2's {@code aws:ec2launchtemplate:version} tag with the number. Parameters the fake does
 * not know are refused (400), so a marshalling mismatch fails a test instead of passing silently.
 *
 * <p>Faults: {@link #throttleNext}, {@link #unavailableNext}, {@link #deny}, {@link #serviceQuotas}. Every
 * request is recorded ({@link #requests}, {@link #count}).
 */
final class FakeAwsServer implements AutoCloseable {
  static final String AS_NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
  static final String EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

  /** How Service Quotas answers. */
  enum QuotasMode {
    AVAILABLE,
    /** 400 AccessDeniedException (no servicequotas:GetServiceQuota permission). */
    ACCESS_DENIED,
    /** 503 on every call (endpoint unreachable from a private subnet, an outage). */
    DOWN,
    /** GetServiceQuota says NoSuchResourceException; only the AWS default quota exists. */
    DEFAULT_ONLY
  }

  private enum FaultKind {
    THROTTLE,
    UNAVAILABLE
  }

  private record Fault(String action, FaultKind kind) {}

  private record Reply(int status, String contentType, String body, Map<String, String> headers) {}

  /** A snapshot of an instance, for assertions. */
  record InstanceView(
      String id, String group, String zone, String type, String lifecycle, String ec2State,
      String reportedVersion, Integer version) {}

  /** A snapshot of a group, for assertions. */
  record GroupView(
      String name, int min, int desired, int max, Map<String, String> tags, Set<String> suspended,
      List<InstanceView> instances) {

    List<InstanceView> live() {
      return instances.stream()
          .filter(i -> i.lifecycle().equals("Pending") || i.lifecycle().equals("InService"))
          .toList();
    }
  }

  private static final class Template {
    final String id;
    final String name;
    final List<String> versionTypes = new ArrayList<>();
    int defaultVersion = 1;

    Template(String id, String name) {
      this.id = id;
      this.name = name;
    }

    int latest() {
      return versionTypes.size();
    }

    int resolve(String version) {
      if (version == null || version.equals("$Default")) {
        return defaultVersion;
      }
      if (version.equals("$Latest")) {
        return latest();
      }
      return Integer.parseInt(version);
    }
  }

  private static final class Group {
    final String name;
    int min;
    int max;
    int desired;
    String ltId;
    String ltVersion;
    boolean mixed;
    String lcName;
    final List<String> zones;
    final Map<String, String> tags = new LinkedHashMap<>();
    final Map<String, String> suspended = new TreeMap<>();

    Group(String name, int min, int desired, int max, List<String> zones) {
      this.name = name;
      this.min = min;
      this.desired = desired;
      this.max = max;
      this.zones = List.copyOf(zones);
    }
  }

  private static final class Inst {
    final String id;
    String group;
    final String zone;
    final String type;
    String lifecycle;
    String ec2State;
    final String ltId;
    final String reportedVersion;
    final Integer version;
    final String lcName;
    final boolean spot;
    final long seq;

    Inst(String id, String group, String zone, String type, String lifecycle, String ec2State, String ltId,
        String reportedVersion, Integer version, String lcName, boolean spot, long seq) {
      this.id = id;
      this.group = group;
      this.zone = zone;
      this.type = type;
      this.lifecycle = lifecycle;
      this.ec2State = ec2State;
      this.ltId = ltId;
      this.reportedVersion = reportedVersion;
      this.version = version;
      this.lcName = lcName;
      this.spot = spot;
      this.seq = seq;
    }

    boolean liveInGroup() {
      return group != null && (lifecycle.equals("Pending") || lifecycle.equals("InService"));
    }

    InstanceView view() {
      return new InstanceView(id, group, zone, type, lifecycle, ec2State, reportedVersion, version);
    }
  }

  static {
    // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's delayed ACK:
    // ~40 ms per request. Read once, when the JDK's server config class loads (the first HttpServer).
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Template> templates = new LinkedHashMap<>();
  private final Map<String, String> launchConfigs = new LinkedHashMap<>();
  private final Map<String, Integer> instanceTypes = new LinkedHashMap<>();
  private final Map<String, Group> groups = new LinkedHashMap<>();
  private final Map<String, Inst> instances = new LinkedHashMap<>();
  private final Map<String, Double> quotas = new HashMap<>();
  private final Deque<Fault> faults = new ArrayDeque<>();
  private final Set<String> denied = new java.util.HashSet<>();
  private final List<String> requests = new ArrayList<>();
  private final List<Map<String, String>> createRequests = new ArrayList<>();
  private QuotasMode quotasMode = QuotasMode.AVAILABLE;
  private boolean holdTerminating;
  private final Map<String, Runnable> beforeAction = new HashMap<>();
  private long seq;

  private FakeAwsServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    executor = Executors.newFixedThreadPool(2);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    instanceTypes.put("m5.large", 2);
    instanceTypes.put("m5.xlarge", 4);
    instanceTypes.put("c5.2xlarge", 8);
    instanceTypes.put("p3.2xlarge", 8);
    quotas.put(AwsSettings.STANDARD_ON_DEMAND_QUOTA, 1152.0);
  }

  static FakeAwsServer start() throws IOException {
    FakeAwsServer f = new FakeAwsServer();
    f.server.start();
    return f;
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ------------------------------------------------------------------------------------------ setup

  synchronized String addLaunchTemplate(String name, String instanceType) {
    String id = String.format("lt-%017x", ++seq);
    Template t = new Template(id, name);
    t.versionTypes.add(instanceType);
    templates.put(id, t);
    return id;
  }

  /** A new version (the new number is returned); the default version stays where it was. */
  synchronized int addLaunchTemplateVersion(String ltId, String instanceType) {
    Template t = templates.get(ltId);
    t.versionTypes.add(instanceType);
    return t.latest();
  }

  synchronized void setDefaultVersion(String ltId, int version) {
    templates.get(ltId).defaultVersion = version;
  }

  synchronized void addLaunchConfiguration(String name, String instanceType) {
    launchConfigs.put(name, instanceType);
  }

  synchronized void addInstanceType(String type, int vcpus) {
    instanceTypes.put(type, vcpus);
  }

  /** A group on a launch template ({@code version} as the group specifies it), launched to desired. */
  synchronized void addGroup(
      String name, int min, int desired, int max, String ltId, String version, List<String> zones) {
    Group g = new Group(name, min, desired, max, zones);
    g.ltId = ltId;
    g.ltVersion = version;
    groups.put(name, g);
    reconcile(true);
  }

  /** A group whose launch template sits in a mixed instances policy. */
  synchronized void addMixedGroup(
      String name, int min, int desired, int max, String ltId, String version, List<String> zones) {
    addGroup(name, min, desired, max, ltId, version, zones);
    groups.get(name).mixed = true;
  }

  synchronized void addLaunchConfigurationGroup(
      String name, int min, int desired, int max, String lcName, List<String> zones) {
    Group g = new Group(name, min, desired, max, zones);
    g.lcName = lcName;
    groups.put(name, g);
    reconcile(true);
  }

  synchronized void setGroupTemplateVersion(String group, String version) {
    groups.get(group).ltVersion = version;
  }

  synchronized void setGroupLaunchConfiguration(String group, String lcName) {
    groups.get(group).lcName = lcName;
  }

  synchronized void tag(String group, String key, String value) {
    groups.get(group).tags.put(key, value);
  }

  synchronized void suspend(String group, String process) {
    groups.get(group).suspended.put(process, "User suspended at 2026-01-01T00:00:00Z");
  }

  /** A running EC2 instance in no group (counts toward the vCPU usage). */
  synchronized String addStandaloneInstance(String type, boolean spot) {
    String id = String.format("i-%017x", ++seq);
    instances.put(id, new Inst(id, null, "us-east-1a", type, "", "running", null, null, null, null, spot, seq));
    return id;
  }

  /** The instance disappears from its group and from EC2 (terminated by someone else). */
  synchronized void vanish(String instanceId) {
    Inst i = instances.get(instanceId);
    i.group = null;
    i.lifecycle = "Terminated";
    i.ec2State = "terminated";
  }

  synchronized void setQuota(String code, double vcpus) {
    quotas.put(code, vcpus);
  }

  synchronized void serviceQuotas(QuotasMode mode) {
    quotasMode = mode;
  }

  // ------------------------------------------------------------------------------------------ faults

  /** The next {@code n} requests of {@code action} (null = any) are throttled. */
  synchronized void throttleNext(String action, int n) {
    for (int i = 0; i < n; i++) {
      faults.add(new Fault(action, FaultKind.THROTTLE));
    }
  }

  /** The next {@code n} requests of {@code action} (null = any) get 503. */
  synchronized void unavailableNext(String action, int n) {
    for (int i = 0; i < n; i++) {
      faults.add(new Fault(action, FaultKind.UNAVAILABLE));
    }
  }

  /** Runs {@code hook} once, inside the next request of {@code action}, before it is answered (races). */
  synchronized void beforeNext(String action, Runnable hook) {
    beforeAction.put(action, hook);
  }

  /** Every request of {@code action} is refused with AccessDenied / UnauthorizedOperation. */
  synchronized void deny(String action) {
    denied.add(action);
  }

  // ------------------------------------------------------------------------------------------ inspection

  /** {@code service:Action} of every request, in order. */
  synchronized List<String> requests() {
    return List.copyOf(requests);
  }

  synchronized long count(String action) {
    return requests.stream().filter(r -> r.endsWith(":" + action)).count();
  }

  synchronized void clearRequests() {
    requests.clear();
  }

  /** Whether a group of that name exists (DeleteAutoScalingGroup removes it). */
  synchronized boolean hasGroup(String name) {
    return groups.containsKey(name);
  }

  synchronized GroupView group(String name) {
    Group g = groups.get(name);
    return new GroupView(
        g.name, g.min, g.desired, g.max, Map.copyOf(g.tags), Set.copyOf(g.suspended.keySet()),
        instances.values().stream().filter(i -> name.equals(i.group)).map(Inst::view).toList());
  }

  synchronized InstanceView instance(String id) {
    return instances.get(id).view();
  }

  synchronized String providerId(String instanceId) {
    return "aws:///" + instances.get(instanceId).zone + "/" + instanceId;
  }

  /** Moves the world one step without a request (a test's clock hook): see {@link #reconcile}. */
  synchronized void tick() {
    step();
    reconcile(false);
  }

  /** Terminating instances stay in their group, Terminating, until this is switched off again. */
  synchronized void holdTerminating(boolean hold) {
    holdTerminating = hold;
  }

  // ------------------------------------------------------------------------------------------ behaviour

  /**
   * Moves the world one step: Pending → InService, Terminating → gone; then launches up to desired and
   * scales in above it. {@code settle} = instances launched now are InService at once (setup).
   */
  private void reconcile(boolean settle) {
    for (Group g : groups.values()) {
      List<Inst> live = instances.values().stream().filter(i -> g.name.equals(i.group) && i.liveInGroup()).toList();
      if (live.size() > g.desired) {
        // Like the default termination policy: oldest template version first, then the oldest instance.
        live.stream()
            .sorted(Comparator.comparing((Inst i) -> i.version == null ? 0 : i.version).thenComparing(i -> i.seq))
            .limit(live.size() - g.desired)
            .forEach(i -> {
              i.lifecycle = "Terminating";
              i.ec2State = "shutting-down";
            });
      }
      for (int k = live.size(); k < g.desired; k++) {
        launch(g, settle);
      }
    }
  }

  private void step() {
    for (Inst i : instances.values()) {
      if (i.lifecycle.equals("Pending")) {
        i.lifecycle = "InService";
        i.ec2State = "running";
      } else if (i.lifecycle.equals("Terminating") && !holdTerminating) {
        i.lifecycle = "Terminated";
        i.ec2State = "terminated";
        i.group = null;
      }
    }
  }

  private void launch(Group g, boolean settle) {
    Map<String, Integer> perZone = new LinkedHashMap<>();
    g.zones.forEach(z -> perZone.put(z, 0));
    instances.values().stream()
        .filter(i -> g.name.equals(i.group) && i.liveInGroup())
        .forEach(i -> perZone.merge(i.zone, 1, Integer::sum));
    String zone = perZone.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
    String id = String.format("i-%017x", ++seq);
    String lifecycle = settle ? "InService" : "Pending";
    String state = settle ? "running" : "pending";
    Inst i;
    if (g.ltId != null) {
      Template t = templates.get(g.ltId);
      int v = t.resolve(g.ltVersion);
      i = new Inst(id, g.name, zone, t.versionTypes.get(v - 1), lifecycle, state, g.ltId,
          g.ltVersion == null ? "$Default" : g.ltVersion, v, null, false, seq);
    } else {
      i = new Inst(id, g.name, zone, launchConfigs.get(g.lcName), lifecycle, state, null, null, null, g.lcName,
          false, seq);
    }
    instances.put(id, i);
  }

  // ------------------------------------------------------------------------------------------ HTTP

  private void handle(HttpExchange ex) throws IOException {
    Reply reply;
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
      synchronized (this) {
        try {
          reply = target != null ? quotas(target, new String(body, StandardCharsets.UTF_8)) : query(body);
        } catch (RuntimeException e) {
          // A fake bug or an unknown parameter: a 400 the provider reports as PERMANENT, never retried.
          reply = asError(400, "FakeCannotAnswer", e.toString());
        }
      }
      byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", reply.contentType());
      ex.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
      reply.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ex.sendResponseHeaders(reply.status(), bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private Reply query(byte[] body) {
    Map<String, String> p = parseForm(new String(body, StandardCharsets.UTF_8));
    String action = p.getOrDefault("Action", "");
    String version = p.getOrDefault("Version", "");
    boolean autoScaling = version.equals("2011-01-01");
    boolean ec2 = version.equals("2016-11-15");
    String service = autoScaling ? "autoscaling" : ec2 ? "ec2" : "unknown";
    requests.add(service + ":" + action);
    step();
    Fault fault = takeFault(action);
    if (fault != null) {
      return switch (fault.kind()) {
        case THROTTLE -> ec2
            ? ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.")
            : asError(400, "Throttling", "Rate exceeded");
        case UNAVAILABLE -> ec2
            ? ec2Error(503, "Unavailable", "The server is overloaded and can't handle the request.")
            : asError(503, "ServiceUnavailable", "Service is unavailable");
      };
    }
    if (denied.contains(action)) {
      return ec2
          ? ec2Error(403, "UnauthorizedOperation", "You are not authorized to perform this operation.")
          : asError(403, "AccessDenied",
              "User: arn:aws:sts::123456789012:assumed-role/rotator/x is not authorized to perform: autoscaling:"
                  + action);
    }
    Runnable hook = beforeAction.remove(action);
    if (hook != null) {
      hook.run();
    }
    Reply r;
    if (autoScaling) {
      r = autoScaling(action, p);
    } else if (ec2) {
      r = ec2(action, p);
    } else {
      r = asError(400, "InvalidAction", "unknown API version " + version);
    }
    if (r.status() == 200) {
      reconcile(false);
    }
    return r;
  }

  private Fault takeFault(String action) {
    for (Iterator<Fault> it = faults.iterator(); it.hasNext(); ) {
      Fault f = it.next();
      if (f.action() == null || f.action().equals(action)) {
        it.remove();
        return f;
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------ Auto Scaling

  private Reply autoScaling(String action, Map<String, String> p) {
    return switch (action) {
      case "DescribeAutoScalingGroups" -> {
        known(p, "AutoScalingGroupNames.member.", "Filters.member.", "MaxRecords", "NextToken");
        List<String> names = list(p, "AutoScalingGroupNames.member");
        List<Map<String, String>> filters = structs(p, "Filters.member");
        Xml x = new Xml().open("AutoScalingGroups");
        for (Group g : groups.values()) {
          if ((names.isEmpty() || names.contains(g.name)) && matches(g, filters)) {
            x.open("member");
            groupXml(x, g);
            x.close("member");
          }
        }
        x.close("AutoScalingGroups");
        yield asOk(action, x);
      }
      case "DescribeAutoScalingInstances" -> {
        known(p, "InstanceIds.member.", "MaxRecords", "NextToken");
        List<String> ids = list(p, "InstanceIds.member");
        Xml x = new Xml().open("AutoScalingInstances");
        for (Inst i : instances.values()) {
          if (i.group != null && (ids.isEmpty() || ids.contains(i.id))) {
            x.open("member").el("InstanceId", i.id).el("InstanceType", i.type).el("AutoScalingGroupName", i.group)
                .el("AvailabilityZone", i.zone).el("LifecycleState", i.lifecycle).el("HealthStatus", "HEALTHY");
            instanceTemplateXml(x, i);
            x.el("ProtectedFromScaleIn", "false").close("member");
          }
        }
        x.close("AutoScalingInstances");
        yield asOk(action, x);
      }
      case "DescribeLaunchConfigurations" -> {
        known(p, "LaunchConfigurationNames.member.", "MaxRecords", "NextToken");
        List<String> names = list(p, "LaunchConfigurationNames.member");
        Xml x = new Xml().open("LaunchConfigurations");
        launchConfigs.forEach((n, type) -> {
          if (names.isEmpty() || names.contains(n)) {
            x.open("member").el("LaunchConfigurationName", n).el("ImageId", "ami-12345678").el("InstanceType", type)
                .el("CreatedTime", "2026-01-01T00:00:00Z").close("member");
          }
        });
        x.close("LaunchConfigurations");
        yield asOk(action, x);
      }
      case "SetDesiredCapacity" -> {
        known(p, "AutoScalingGroupName", "DesiredCapacity", "HonorCooldown");
        Group g = groups.get(p.get("AutoScalingGroupName"));
        if (g == null) {
          yield asError(400, "ValidationError", "AutoScalingGroup name not found - " + p.get("AutoScalingGroupName"));
        }
        int d = Integer.parseInt(p.get("DesiredCapacity"));
        if (d > g.max) {
          yield asError(400, "ValidationError",
              "New SetDesiredCapacity value " + d + " is above max value " + g.max + " for the AutoScalingGroup.");
        }
        if (d < g.min) {
          yield asError(400, "ValidationError",
              "New SetDesiredCapacity value " + d + " is below min value " + g.min + " for the AutoScalingGroup.");
        }
        g.desired = d;
        yield asOk(action, null);
      }
      case "UpdateAutoScalingGroup" -> {
        known(p, "AutoScalingGroupName", "MaxSize", "MinSize", "DesiredCapacity");
        Group g = groups.get(p.get("AutoScalingGroupName"));
        if (g == null) {
          yield asError(400, "ValidationError", "AutoScalingGroup name not found - " + p.get("AutoScalingGroupName"));
        }
        int max = p.containsKey("MaxSize") ? Integer.parseInt(p.get("MaxSize")) : g.max;
        int min = p.containsKey("MinSize") ? Integer.parseInt(p.get("MinSize")) : g.min;
        int desired = p.containsKey("DesiredCapacity") ? Integer.parseInt(p.get("DesiredCapacity")) : g.desired;
        if (desired < min || desired > max) {
          yield asError(400, "ValidationError",
              "Desired capacity:" + desired + " must be between the specified min size:" + min + " and max size:" + max);
        }
        g.max = max;
        g.min = min;
        g.desired = desired;
        yield asOk(action, null);
      }
      case "TerminateInstanceInAutoScalingGroup" -> {
        known(p, "InstanceId", "ShouldDecrementDesiredCapacity");
        Inst i = instances.get(p.get("InstanceId"));
        if (i == null || i.group == null) {
          yield asError(400, "ValidationError",
              "Instance Id not found - No managed instance found for instance ID: " + p.get("InstanceId"));
        }
        Group g = groups.get(i.group);
        boolean decrement = Boolean.parseBoolean(p.get("ShouldDecrementDesiredCapacity"));
        if (decrement && g.desired <= g.min) {
          yield asError(400, "ValidationError",
              "Currently, desiredCapacity " + g.desired + " is equal to minSize " + g.min
                  + " and a termination with ShouldDecrementDesiredCapacity=true cannot be completed.");
        }
        if (decrement) {
          g.desired--;
        }
        i.lifecycle = "Terminating";
        i.ec2State = "shutting-down";
        Xml x = new Xml().open("Activity").el("ActivityId", UUID.randomUUID()).el("AutoScalingGroupName", g.name)
            .el("Cause", "terminated by request").el("StartTime", "2026-01-01T00:00:00Z")
            .el("StatusCode", "InProgress").el("Progress", 0).close("Activity");
        yield asOk(action, x);
      }
      case "SuspendProcesses", "ResumeProcesses" -> {
        known(p, "AutoScalingGroupName", "ScalingProcesses.member.");
        Group g = groups.get(p.get("AutoScalingGroupName"));
        if (g == null) {
          yield asError(400, "ValidationError", "AutoScalingGroup name not found - " + p.get("AutoScalingGroupName"));
        }
        List<String> processes = list(p, "ScalingProcesses.member");
        if (processes.isEmpty()) {
          processes = List.copyOf(AwsSettings.PROCESSES);
        }
        for (String proc : processes) {
          if (action.equals("SuspendProcesses")) {
            g.suspended.put(proc, "User suspended at 2026-01-01T00:00:00Z");
          } else {
            g.suspended.remove(proc);
          }
        }
        yield asOk(action, null);
      }
      case "CreateOrUpdateTags", "DeleteTags" -> {
        known(p, "Tags.member.");
        for (Map<String, String> t : structs(p, "Tags.member")) {
          Group g = groups.get(t.get("ResourceId"));
          if (g == null || !"auto-scaling-group".equals(t.get("ResourceType"))) {
            yield asError(400, "ValidationError", "no such resource " + t);
          }
          if (action.equals("CreateOrUpdateTags")) {
            g.tags.put(t.get("Key"), t.getOrDefault("Value", ""));
          } else {
            g.tags.remove(t.get("Key"));
          }
        }
        yield asOk(action, null);
      }
      case "CreateAutoScalingGroup" -> {
        known(p, "AutoScalingGroupName", "LaunchTemplate.", "MinSize", "MaxSize", "DesiredCapacity",
            "AvailabilityZones.member.", "VPCZoneIdentifier", "Tags.member.");
        String name = p.get("AutoScalingGroupName");
        if (groups.containsKey(name)) {
          yield asError(400, "AlreadyExists", "AutoScalingGroup by this name already exists - A group with the name "
              + name + " already exists");
        }
        String ltId = p.get("LaunchTemplate.LaunchTemplateId");
        if (ltId == null || !templates.containsKey(ltId)) {
          yield asError(400, "ValidationError", "You must use a valid fully-formed launch template. The launch template"
              + " " + ltId + " does not exist");
        }
        List<String> zones = list(p, "AvailabilityZones.member");
        if (zones.isEmpty()) {
          yield asError(400, "ValidationError", "At least one Availability Zone or VPC Subnet is required.");
        }
        int min = Integer.parseInt(p.get("MinSize"));
        int max = Integer.parseInt(p.get("MaxSize"));
        int desired = p.containsKey("DesiredCapacity") ? Integer.parseInt(p.get("DesiredCapacity")) : min;
        Group g = new Group(name, min, desired, max, zones);
        g.ltId = ltId;
        g.ltVersion = p.getOrDefault("LaunchTemplate.Version", "$Default");
        for (Map<String, String> t : structs(p, "Tags.member")) {
          g.tags.put(t.get("Key"), t.getOrDefault("Value", ""));
        }
        groups.put(name, g);
        createRequests.add(new LinkedHashMap<>(p));
        yield asOk(action, null);
      }
      case "DeleteAutoScalingGroup" -> {
        known(p, "AutoScalingGroupName", "ForceDelete");
        Group g = groups.get(p.get("AutoScalingGroupName"));
        if (g == null) {
          yield asError(400, "ValidationError", "AutoScalingGroup name not found - " + p.get("AutoScalingGroupName"));
        }
        boolean force = Boolean.parseBoolean(p.get("ForceDelete"));
        boolean occupied = instances.values().stream().anyMatch(i -> g.name.equals(i.group));
        if (occupied && !force) {
          yield asError(400, "ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or"
              + " pending Spot instance request(s) still in the group.");
        }
        instances.values().stream().filter(i -> g.name.equals(i.group)).forEach(i -> {
          i.lifecycle = "Terminating";
          i.ec2State = "shutting-down";
        });
        groups.remove(g.name);
        yield asOk(action, null);
      }
      default -> asError(400, "InvalidAction", "the fake does not implement " + action);
    };
  }

  /** The parameters of every CreateAutoScalingGroup the fake accepted, in order. */
  synchronized List<Map<String, String>> createRequests() {
    return List.copyOf(createRequests);
  }

  private static boolean matches(Group g, List<Map<String, String>> filters) {
    for (Map<String, String> f : filters) {
      String name = f.get("Name");
      List<String> values = list(f, "Values.member");
      boolean ok;
      if (name.startsWith("tag:")) {
        String v = g.tags.get(name.substring(4));
        ok = v != null && values.contains(v);
      } else if (name.equals("tag-key")) {
        ok = values.stream().anyMatch(g.tags::containsKey);
      } else if (name.equals("tag-value")) {
        ok = values.stream().anyMatch(g.tags::containsValue);
      } else {
        throw new IllegalArgumentException("the fake does not know filter " + name);
      }
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private void groupXml(Xml x, Group g) {
    x.el("AutoScalingGroupName", g.name)
        .el("AutoScalingGroupARN", "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/" + g.name);
    if (g.ltId != null) {
      Template t = templates.get(g.ltId);
      if (g.mixed) {
        x.open("MixedInstancesPolicy").open("LaunchTemplate").open("LaunchTemplateSpecification")
            .el("LaunchTemplateId", t.id).el("LaunchTemplateName", t.name).el("Version", g.ltVersion)
            .close("LaunchTemplateSpecification").close("LaunchTemplate").close("MixedInstancesPolicy");
      } else {
        x.open("LaunchTemplate").el("LaunchTemplateId", t.id).el("LaunchTemplateName", t.name)
            .el("Version", g.ltVersion).close("LaunchTemplate");
      }
    } else {
      x.el("LaunchConfigurationName", g.lcName);
    }
    x.el("MinSize", g.min).el("MaxSize", g.max).el("DesiredCapacity", g.desired).el("DefaultCooldown", 300);
    x.open("AvailabilityZones");
    g.zones.forEach(z -> x.el("member", z));
    x.close("AvailabilityZones").el("HealthCheckType", "EC2").el("CreatedTime", "2026-01-01T00:00:00Z");
    x.open("Instances");
    for (Inst i : instances.values()) {
      if (g.name.equals(i.group)) {
        x.open("member").el("InstanceId", i.id).el("InstanceType", i.type).el("AvailabilityZone", i.zone)
            .el("LifecycleState", i.lifecycle).el("HealthStatus", "Healthy");
        instanceTemplateXml(x, i);
        x.el("ProtectedFromScaleIn", "false").close("member");
      }
    }
    x.close("Instances");
    x.open("SuspendedProcesses");
    g.suspended.forEach((proc, why) -> x.open("member").el("ProcessName", proc).el("SuspensionReason", why).close("member"));
    x.close("SuspendedProcesses");
    x.open("Tags");
    g.tags.forEach((k, v) -> x.open("member").el("ResourceId", g.name).el("ResourceType", "auto-scaling-group")
        .el("Key", k).el("Value", v).el("PropagateAtLaunch", "false").close("member"));
    x.close("Tags");
  }

  private void instanceTemplateXml(Xml x, Inst i) {
    if (i.ltId != null) {
      Template t = templates.get(i.ltId);
      x.open("LaunchTemplate").el("LaunchTemplateId", t.id).el("LaunchTemplateName", t.name)
          .el("Version", i.reportedVersion).close("LaunchTemplate");
    } else if (i.lcName != null) {
      x.el("LaunchConfigurationName", i.lcName);
    }
  }

  private static Reply asOk(String action, Xml result) {
    StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb.append('<').append(action).append("Response xmlns=\"").append(AS_NS).append("\">");
    if (result != null) {
      sb.append('<').append(action).append("Result>").append(result).append("</").append(action).append("Result>");
    }
    sb.append("<ResponseMetadata><RequestId>").append(UUID.randomUUID()).append("</RequestId></ResponseMetadata>");
    sb.append("</").append(action).append("Response>");
    return new Reply(200, "text/xml", sb.toString(), Map.of());
  }

  private static Reply asError(int status, String code, String message) {
    String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"" + AS_NS + "\"><Error><Type>"
        + (status >= 500 ? "Receiver" : "Sender") + "</Type><Code>" + code + "</Code><Message>" + Xml.escape(message)
        + "</Message></Error><RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>";
    return new Reply(status, "text/xml", body, Map.of());
  }

  // ------------------------------------------------------------------------------------------ EC2

  private Reply ec2(String action, Map<String, String> p) {
    return switch (action) {
      case "DescribeInstances" -> {
        known(p, "InstanceId.", "Filter.", "MaxResults", "NextToken");
        List<String> ids = list(p, "InstanceId");
        for (String id : ids) {
          if (!instances.containsKey(id)) {
            yield ec2Error(400, "InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
          }
        }
        List<String> states = List.of();
        for (Map<String, String> f : structs(p, "Filter")) {
          if (!f.get("Name").equals("instance-state-name")) {
            yield ec2Error(400, "InvalidParameterValue", "the fake does not know filter " + f.get("Name"));
          }
          states = list(f, "Value");
        }
        Xml x = new Xml().open("reservationSet");
        for (Inst i : instances.values()) {
          if ((ids.isEmpty() || ids.contains(i.id)) && (states.isEmpty() || states.contains(i.ec2State))) {
            x.open("item").el("reservationId", "r-" + i.id.substring(2)).el("ownerId", "123456789012")
                .open("instancesSet").open("item").el("instanceId", i.id).el("imageId", "ami-12345678")
                .open("instanceState").el("code", stateCode(i.ec2State)).el("name", i.ec2State).close("instanceState")
                .el("instanceType", i.type).open("placement").el("availabilityZone", i.zone).close("placement");
            if (i.spot) {
              x.el("instanceLifecycle", "spot");
            }
            x.open("tagSet");
            if (i.ltId != null) {
              x.open("item").el("key", "aws:ec2launchtemplate:id").el("value", i.ltId).close("item");
              x.open("item").el("key", "aws:ec2launchtemplate:version").el("value", i.version).close("item");
            }
            if (i.group != null) {
              x.open("item").el("key", "aws:autoscaling:groupName").el("value", i.group).close("item");
            }
            x.close("tagSet").close("item").close("instancesSet").close("item");
          }
        }
        x.close("reservationSet");
        yield ec2Ok(action, x);
      }
      case "DescribeInstanceTypes" -> {
        known(p, "InstanceType.", "MaxResults", "NextToken");
        Xml x = new Xml().open("instanceTypeSet");
        for (String t : list(p, "InstanceType")) {
          Integer vcpus = instanceTypes.get(t);
          if (vcpus == null) {
            yield ec2Error(400, "InvalidInstanceType", "The following supplied instance types do not exist: [" + t + "]");
          }
          x.open("item").el("instanceType", t).open("vCpuInfo").el("defaultVCpus", vcpus).close("vCpuInfo").close("item");
        }
        x.close("instanceTypeSet");
        yield ec2Ok(action, x);
      }
      case "DescribeLaunchTemplates" -> {
        known(p, "LaunchTemplateId.", "LaunchTemplateName.", "MaxResults", "NextToken");
        List<String> ids = list(p, "LaunchTemplateId");
        List<String> names = list(p, "LaunchTemplateName");
        Xml x = new Xml().open("launchTemplates");
        int found = 0;
        for (Template t : templates.values()) {
          if (ids.contains(t.id) || names.contains(t.name)) {
            found++;
            x.open("item").el("launchTemplateId", t.id).el("launchTemplateName", t.name)
                .el("defaultVersionNumber", t.defaultVersion).el("latestVersionNumber", t.latest()).close("item");
          }
        }
        if (found < ids.size() + names.size()) {
          yield ec2Error(400, "InvalidLaunchTemplateId.NotFound", "launch template not found: " + ids + names);
        }
        x.close("launchTemplates");
        yield ec2Ok(action, x);
      }
      case "DescribeLaunchTemplateVersions" -> {
        known(p, "LaunchTemplateId", "LaunchTemplateName", "LaunchTemplateVersion.", "MaxResults", "NextToken");
        Template t = templates.values().stream()
            .filter(x -> x.id.equals(p.get("LaunchTemplateId")) || x.name.equals(p.get("LaunchTemplateName")))
            .findFirst().orElse(null);
        if (t == null) {
          yield ec2Error(400, "InvalidLaunchTemplateId.NotFound", "launch template not found");
        }
        Xml x = new Xml().open("launchTemplateVersionSet");
        for (String v : list(p, "LaunchTemplateVersion")) {
          int n = t.resolve(v);
          x.open("item").el("launchTemplateId", t.id).el("launchTemplateName", t.name).el("versionNumber", n)
              .el("defaultVersion", n == t.defaultVersion).open("launchTemplateData")
              .el("instanceType", t.versionTypes.get(n - 1)).close("launchTemplateData").close("item");
        }
        x.close("launchTemplateVersionSet");
        yield ec2Ok(action, x);
      }
      default -> ec2Error(400, "InvalidAction", "the fake does not implement " + action);
    };
  }

  private static int stateCode(String state) {
    return switch (state) {
      case "pending" -> 0;
      case "running" -> 16;
      case "shutting-down" -> 32;
      default -> 48;
    };
  }

  private static Reply ec2Ok(String action, Xml result) {
    String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + action + "Response xmlns=\"" + EC2_NS + "\"><requestId>"
        + UUID.randomUUID() + "</requestId>" + result + "</" + action + "Response>";
    return new Reply(200, "text/xml;charset=UTF-8", body, Map.of());
  }

  private static Reply ec2Error(int status, String code, String message) {
    String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + code + "</Code><Message>"
        + Xml.escape(message) + "</Message></Error></Errors><RequestID>" + UUID.randomUUID() + "</RequestID></Response>";
    return new Reply(status, "text/xml;charset=UTF-8", body, Map.of());
  }

  // ------------------------------------------------------------------------------------------ Service Quotas

  private static final Pattern JSON_FIELD = Pattern.compile("\"(ServiceCode|QuotaCode)\"\\s*:\\s*\"([^\"]*)\"");

  private Reply quotas(String target, String body) {
    String op = target.substring(target.indexOf('.') + 1);
    requests.add("servicequotas:" + op);
    step();
    Fault fault = takeFault(op);
    if (fault != null) {
      return fault.kind() == FaultKind.THROTTLE
          ? jsonError(400, "TooManyRequestsException", "Rate exceeded")
          : jsonError(503, "ServiceException", "Service unavailable");
    }
    if (!target.startsWith("ServiceQuotasV20190624.")) {
      return jsonError(400, "UnknownOperationException", target);
    }
    switch (quotasMode) {
      case ACCESS_DENIED -> {
        return jsonError(400, "AccessDeniedException",
            "User is not authorized to perform: servicequotas:" + op);
      }
      case DOWN -> {
        return jsonError(503, "ServiceException", "Service unavailable");
      }
      default -> {}
    }
    Map<String, String> f = new HashMap<>();
    Matcher m = JSON_FIELD.matcher(body);
    while (m.find()) {
      f.put(m.group(1), m.group(2));
    }
    if (!"ec2".equals(f.get("ServiceCode"))) {
      return jsonError(400, "NoSuchResourceException", "no service " + f.get("ServiceCode"));
    }
    if (op.equals("GetServiceQuota") && quotasMode == QuotasMode.DEFAULT_ONLY) {
      return jsonError(400, "NoSuchResourceException", "The request failed because the specified quota does not exist.");
    }
    if (!op.equals("GetServiceQuota") && !op.equals("GetAWSDefaultServiceQuota")) {
      return jsonError(400, "UnknownOperationException", op);
    }
    Double value = quotas.get(f.get("QuotaCode"));
    if (value == null) {
      return jsonError(400, "NoSuchResourceException", "no quota " + f.get("QuotaCode"));
    }
    String json = "{\"Quota\":{\"ServiceCode\":\"ec2\",\"ServiceName\":\"Amazon Elastic Compute Cloud (Amazon EC2)\","
        + "\"QuotaArn\":\"arn:aws:servicequotas:us-east-1:123456789012:ec2/" + f.get("QuotaCode") + "\","
        + "\"QuotaCode\":\"" + f.get("QuotaCode") + "\",\"QuotaName\":\"Running On-Demand instances\","
        + "\"Value\":" + value + ",\"Unit\":\"None\",\"Adjustable\":true,\"GlobalQuota\":false}}";
    return new Reply(200, "application/x-amz-json-1.1", json, Map.of());
  }

  private static Reply jsonError(int status, String type, String message) {
    String json = "{\"__type\":\"" + type + "\",\"Message\":\"" + message.replace("\"", "'") + "\"}";
    return new Reply(status, "application/x-amz-json-1.1", json, Map.of("x-amzn-ErrorType", type));
  }

  // ------------------------------------------------------------------------------------------ parsing

  static Map<String, String> parseForm(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    if (body.isEmpty()) {
      return out;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Refuses parameters the fake does not understand (a name ending in '.' is a prefix). */
  private static void known(Map<String, String> p, String... allowed) {
    for (String k : p.keySet()) {
      if (k.equals("Action") || k.equals("Version")) {
        continue;
      }
      boolean ok = false;
      for (String a : allowed) {
        if (a.endsWith(".") ? k.startsWith(a) : k.equals(a)) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        throw new UnknownParameter(k);
      }
    }
  }

  /** Values of {@code prefix.1}, {@code prefix.2}, … in index order. */
  static List<String> list(Map<String, String> p, String prefix) {
    TreeMap<Integer, String> byIndex = new TreeMap<>();
    String pre = prefix + ".";
    for (var e : p.entrySet()) {
      if (e.getKey().startsWith(pre)) {
        String rest = e.getKey().substring(pre.length());
        if (rest.chars().allMatch(Character::isDigit) && !rest.isEmpty()) {
          byIndex.put(Integer.parseInt(rest), e.getValue());
        }
      }
    }
    return new ArrayList<>(byIndex.values());
  }

  /** {@code prefix.N.Field...} grouped by N, each as a map of {@code Field...} → value. */
  static List<Map<String, String>> structs(Map<String, String> p, String prefix) {
    TreeMap<Integer, Map<String, String>> byIndex = new TreeMap<>();
    String pre = prefix + ".";
    for (var e : p.entrySet()) {
      if (e.getKey().startsWith(pre)) {
        String rest = e.getKey().substring(pre.length());
        int dot = rest.indexOf('.');
        if (dot > 0) {
          byIndex.computeIfAbsent(Integer.parseInt(rest.substring(0, dot)), k -> new LinkedHashMap<>())
              .put(rest.substring(dot + 1), e.getValue());
        }
      }
    }
    return new ArrayList<>(byIndex.values());
  }

  /** A request parameter the fake does not know: answered 400 so the mismatch is visible. */
  private static final class UnknownParameter extends RuntimeException {
    UnknownParameter(String name) {
      super("the fake does not understand parameter " + name);
    }
  }

  /** Just enough XML writing. */
  static final class Xml {
    private final StringBuilder sb = new StringBuilder();

    Xml open(String tag) {
      sb.append('<').append(tag).append('>');
      return this;
    }

    Xml close(String tag) {
      sb.append("</").append(tag).append('>');
      return this;
    }

    Xml el(String tag, Object value) {
      if (value != null) {
        open(tag);
        sb.append(escape(String.valueOf(value)));
        close(tag);
      }
      return this;
    }

    static String escape(String s) {
      return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    @Override
    public String toString() {
      return sb.toString();
    }
  }
}

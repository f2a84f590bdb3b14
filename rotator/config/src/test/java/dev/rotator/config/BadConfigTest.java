package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a rotator.yaml can be wrong ends in a ConfigException that names the key path first. */
class BadConfigTest {

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        // unknown keys, at every level
        bad("unknown top-level key", "polcy: {}\n", "polcy", "unknown key (did you mean 'policy'?); known keys here: apiVersion, kind, cluster"),
        bad("unknown key in cluster", "cluster:\n  kubeconfg: /x\n", "cluster.kubeconfg", "unknown key (did you mean 'kubeconfig'?)"),
        bad("unknown key in provider", "provider:\n  typ: fake\n", "provider.typ", "unknown key (did you mean 'type'?)"),
        bad("unknown key in selector", "selector:\n  kubeletVersion: v1.31.2\n", "selector.kubeletVersion", "unknown key"),
        bad("unknown key in selector.label", "selector:\n  label: {key: a, value: b, vaule: c}\n", "selector.label.vaule", "unknown key (did you mean 'value'?)"),
        bad("unknown key in policy", "policy:\n  maxUnavailabel: 1\n", "policy.maxUnavailabel",
            "unknown key (did you mean 'maxUnavailable'?); known keys here: order, notReadyFirst, maxUnavailable, maxSurge"),
        bad("snake_case key", "policy:\n  max_surge: 1\n", "policy.max_surge", "unknown key (did you mean 'maxSurge'?)"),
        bad("unknown key in policy.evictionBackoff", "policy:\n  evictionBackoff: {inital: 5s}\n", "policy.evictionBackoff.inital", "unknown key (did you mean 'initial'?)"),
        bad("unknown key in gates", "gates:\n  consecutivePass: 2\n", "gates.consecutivePass", "unknown key (did you mean 'consecutivePasses'?)"),
        bad("unknown key in gates.clusterState", "gates:\n  clusterState: {enable: true}\n", "gates.clusterState.enable", "unknown key (did you mean 'enabled'?)"),
        bad("unknown key in alerts", "alerts:\n  slack: {}\n", "alerts.slack", "unknown key; known keys here: log"),
        bad("unknown key in alerts.log", "alerts:\n  log: {level: info}\n", "alerts.log.level", "unknown key; known keys here: enabled"),
        // wrong types
        bad("quoted integer", "policy:\n  maxUnavailable: \"1\"\n", "policy.maxUnavailable", "expected an integer in 0..10000, got string '1'"),
        bad("fractional integer", "policy:\n  maxSurge: 1.5\n", "policy.maxSurge", "expected an integer in 0..10000, got number 1.5"),
        bad("quoted boolean", "policy:\n  notReadyFirst: \"true\"\n", "policy.notReadyFirst", "expected true or false, got string 'true'"),
        bad("section given a scalar", "policy: 5\n", "policy", "expected a mapping with keys order, notReadyFirst"),
        bad("section given a list", "gates: [a]\n", "gates", "expected a mapping"),
        bad("number where a string is expected", "cluster:\n  context: 42\n", "cluster.context", "expected a string, got integer 42 (quote the value"),
        bad("label given as a string", "selector:\n  label: app=web\n", "selector.label", "expected a mapping with keys key, value"),
        bad("enum given a list", "policy:\n  order: [name]\n", "policy.order", "expected one of oldest-first, name, zone-round-robin, got a list"),
        bad("unknown enum value", "policy:\n  order: random\n", "policy.order", "expected one of oldest-first, name, zone-round-robin, got 'random'"),
        bad("misspelt enum value", "policy:\n  order: oldest-frist\n", "policy.order", "did you mean 'oldest-first'?"),
        // numbers out of range
        bad("negative int", "policy:\n  maxUnavailable: -1\n", "policy.maxUnavailable", "expected an integer >= 0, got -1"),
        bad("negative surge", "policy:\n  maxSurge: -3\n", "policy.maxSurge", "expected an integer >= 0, got -3"),
        bad("huge int", "policy:\n  maxUnavailable: 99999999999999999999\n", "policy.maxUnavailable", "expected an integer <= 10000 (range 0..10000), got 99999999999999999999"),
        bad("int just past Integer.MAX_VALUE", "policy:\n  maxNodesPerRun: 2147483648\n", "policy.maxNodesPerRun", "expected an integer <= 100000"),
        bad("zero consecutive passes", "gates:\n  consecutivePasses: 0\n", "gates.consecutivePasses", "expected an integer >= 1 (range 1..100), got 0"),
        bad("octal-looking int", "policy:\n  maxSurge: 010\n", "policy.maxSurge", "write integers in plain decimal; YAML reads '010' as 8"),
        bad("hex int", "gates:\n  clusterState: {maxNotReadyNodes: 0x10}\n", "gates.clusterState.maxNotReadyNodes", "write integers in plain decimal"),
        // durations
        bad("negative duration", "policy:\n  drainTimeout: -5s\n", "policy.drainTimeout", "a duration cannot be negative, got '-5s'"),
        bad("zero duration", "policy:\n  drainTimeout: 0s\n", "policy.drainTimeout", "expected a positive duration"),
        bad("bad duration unit", "policy:\n  drainTimeout: 15x\n", "policy.drainTimeout", "expected a duration like 90s, 15m, 1h30m or 2d"),
        bad("units out of order", "policy:\n  replacementTimeout: 30m1h\n", "policy.replacementTimeout", "expected a duration like"),
        bad("bare number duration", "policy:\n  pollInterval: 90\n", "policy.pollInterval", "a bare number has no unit; write e.g. 90s"),
        bad("duration above its maximum", "policy:\n  drainTimeout: 8d\n", "policy.drainTimeout", "expected at most 7d, got '8d'"),
        bad("duration with too many digits", "policy:\n  drainTimeout: 99999999999d\n", "policy.drainTimeout", "expected a duration like"),
        bad("poll interval too small", "policy:\n  pollInterval: 10ms\n", "policy.pollInterval", "expected at least 100ms, got '10ms'"),
        bad("maxAge too small", "selector:\n  maxAge: 30m\n", "selector.maxAge", "expected at least 1h"),
        bad("negative grace", "gates:\n  clusterState: {newNodeGrace: -1m}\n", "gates.clusterState.newNodeGrace", "cannot be negative"),
        bad("backoff max below initial", "policy:\n  evictionBackoff: {initial: 1m, max: 5s}\n", "policy.evictionBackoff", "max (5s) must be at least initial (1m)"),
        // rules across keys, checked by RotationPolicy itself
        bad("maxUnavailable 0 and maxSurge 0", "policy:\n  maxUnavailable: 0\n  maxSurge: 0\n", "policy", "maxUnavailable and maxSurge are both 0"),
        // provider
        bad("unknown provider", "provider:\n  type: azure\n", "provider.type", "unknown provider 'azure'; known providers: fake, aws, gke"),
        bad("misspelt provider", "provider:\n  type: fak\n", "provider.type", "unknown provider 'fak' (did you mean 'fake'?)"),
        bad("unknown provider, a number", "provider:\n  type: 3\n", "provider.type", "expected a string, got integer 3"),
        // provider: the section of the selected type, and only that one
        bad("aws selected, no section", "provider:\n  type: aws\n", "provider.aws",
            "required when provider.type is aws: select the Auto Scaling groups rotator manages with groupNames and/or groupTags"),
        bad("aws selected, section empty", "provider:\n  type: aws\n  aws:\n", "provider.aws", "set groupNames and/or groupTags"),
        bad("gke selected in capitals, no section", "provider:\n  type: GKE\n", "provider.gke", "required when provider.type is gke: set project, location and cluster"),
        bad("aws section, no group selected", "provider:\n  type: aws\n  aws: {region: eu-west-1}\n", "provider.aws",
            "set groupNames and/or groupTags: rotator manages only the Auto Scaling groups selected there"),
        bad("aws section, empty selections", "provider:\n  type: aws\n  aws: {groupNames: [], groupTags: {}}\n", "provider.aws", "set groupNames and/or groupTags"),
        bad("gke section under aws", "provider:\n  type: aws\n  aws: {groupNames: [a]}\n  gke: {project: p}\n", "provider.gke",
            "set, but provider.type is aws; set provider.type: gke to use it, or remove this section"),
        bad("aws section under gke", "provider:\n  type: gke\n  aws: {groupNames: [a]}\n", "provider.aws", "set, but provider.type is gke"),
        bad("aws section without a type", "provider:\n  aws: {groupNames: [a]}\n", "provider.aws",
            "set, but provider.type is fake (the default); set provider.type: aws to use it"),
        bad("empty gke section under fake", "provider:\n  type: fake\n  gke:\n", "provider.gke", "set, but provider.type is fake;"),
        bad("provider section given a list", "provider: [aws]\n", "provider", "expected a mapping with keys type, aws, gke"),
        bad("unknown key in provider", "provider:\n  type: aws\n  asw: {}\n", "provider.asw", "unknown key (did you mean 'aws'?); known keys here: type, aws, gke"),
        // provider: credentials are never configuration, wherever they are written
        bad("AWS access key id", aws("    accessKeyId: AKIAIOSFODNN7EXAMPLE\n"), "provider.aws.accessKeyId",
            "credentials are never read from rotator.yaml; rotator takes them from the AWS SDK's default chain: IRSA or EKS Pod Identity"),
        bad("AWS secret key", aws("    secret_access_key: x\n"), "provider.aws.secret_access_key", "credentials are never read from rotator.yaml"),
        bad("AWS session token", aws("    sessionToken: x\n"), "provider.aws.sessionToken", "IRSA"),
        bad("AWS profile", aws("    profile: prod\n"), "provider.aws.profile", "AWS_PROFILE"),
        bad("credentials in the endpoints", aws("    endpoints: {apiKey: x}\n"), "provider.aws.endpoints.apiKey", "the AWS SDK's default chain"),
        bad("GKE service account key", gke("    serviceAccountKey: '{}'\n"), "provider.gke.serviceAccountKey",
            "credentials are never read from rotator.yaml; rotator takes them from Google's default chain: Workload Identity"),
        bad("GKE credentials file", gke("    credentialsFile: /sa.json\n"), "provider.gke.credentialsFile", "Workload Identity"),
        bad("credentials in nativeUpgrade", gke("    strategy: native\n    nativeUpgrade: {password: x}\n"), "provider.gke.nativeUpgrade.password", "Google's default chain"),
        bad("credentials beside type", "provider:\n  type: aws\n  credentials: {}\n", "provider.credentials",
            "rotator takes them from each SDK's default chain (AWS: IRSA or EKS Pod Identity in the cluster"),
        bad("endpoint with user info", aws("    endpoints: {ec2: 'https://AKIA:s3cr3t@ec2.local'}\n"), "provider.aws.endpoints.ec2",
            "must not carry credentials (user:password@): credentials come from the SDK's default chain"),
        // provider.aws
        bad("unknown aws key", aws("    groupName: [a]\n"), "provider.aws.groupName", "unknown key (did you mean 'groupNames'?); known keys here: region, groupNames"),
        bad("unknown aws endpoint", aws("    endpoints: {autoscaling: 'https://a.example'}\n"), "provider.aws.endpoints.autoscaling", "did you mean 'autoScaling'?"),
        bad("region is a zone", aws("    region: eu-west-1a\n"), "provider.aws.region", "'eu-west-1a' is an availability zone; the region is 'eu-west-1'"),
        bad("region by name", aws("    region: Ireland\n"), "provider.aws.region", "expected an AWS region like eu-west-1"),
        bad("region empty", aws("    region: ''\n"), "provider.aws.region", "expected an AWS region like eu-west-1 (leave the key out to use the SDK's region chain), got ''"),
        bad("groupNames as a string", "provider:\n  type: aws\n  aws: {groupNames: workers}\n", "provider.aws.groupNames",
            "expected a list of strings, got string 'workers' (a single value is written as a list: [value])"),
        bad("group listed twice", "provider:\n  type: aws\n  aws: {groupNames: [a, b, a]}\n", "provider.aws.groupNames[2]", "'a' is listed twice (first at [0])"),
        bad("empty group name", "provider:\n  type: aws\n  aws: {groupNames: [' ']}\n", "provider.aws.groupNames[0]", "must not be empty"),
        bad("group name too long", "provider:\n  type: aws\n  aws: {groupNames: [" + "g".repeat(256) + "]}\n", "provider.aws.groupNames[0]", "at most 255 characters"),
        bad("groupTags as a list", "provider:\n  type: aws\n  aws: {groupTags: [team=a]}\n", "provider.aws.groupTags",
            "expected a mapping of strings to strings (key: value, one per line, or {key: value}), got a list"),
        bad("unquoted boolean tag value", "provider:\n  type: aws\n  aws:\n    groupTags:\n      k8s.io/cluster-autoscaler/enabled: true\n",
            "provider.aws.groupTags[k8s.io/cluster-autoscaler/enabled]", "expected a string, got boolean true (unquoted yes/no/on/off/true/false are booleans"),
        bad("numeric tag value", "provider:\n  type: aws\n  aws: {groupTags: {generation: 2}}\n", "provider.aws.groupTags[generation]", "got integer 2 (quote the value"),
        bad("tag value too long", "provider:\n  type: aws\n  aws: {groupTags: {k: " + "v".repeat(257) + "}}\n", "provider.aws.groupTags[k]", "a tag value is at most 256 characters"),
        bad("tag value is a mapping", "provider:\n  type: aws\n  aws: {groupTags: {k: {a: b}}}\n", "provider.aws.groupTags[k]", "expected a string, got a mapping"),
        bad("suspend Launch", aws("    suspendProcesses: [AZRebalance, Launch]\n"), "provider.aws.suspendProcesses[1]",
            "'Launch' must not be suspended: the group could then neither replace instances nor give the surge back"),
        bad("suspend terminate in lower case", aws("    suspendProcesses: [terminate]\n"), "provider.aws.suspendProcesses[0]", "'Terminate' must not be suspended"),
        bad("misspelt process", aws("    suspendProcesses: [AZRebalanse]\n"), "provider.aws.suspendProcesses[0]",
            "unknown Auto Scaling process 'AZRebalanse' (did you mean 'AZRebalance'?); one of AZRebalance, AddToLoadBalancer"),
        bad("process twice, spelt differently", aws("    suspendProcesses: [AZRebalance, azRebalance]\n"), "provider.aws.suspendProcesses",
            "lists a process twice: [AZRebalance, AZRebalance]"),
        bad("quoted boolean", aws("    raiseMaxForSurge: 'yes'\n"), "provider.aws.raiseMaxForSurge", "expected true or false, got string 'yes'"),
        bad("quota code in lower case", aws("    quotaCode: l-1216c47a\n"), "provider.aws.quotaCode",
            "expected a Service Quotas code like L-1216C47A (L-, then 8 upper-case hex digits), got 'l-1216c47a'"),
        bad("zero attempts", aws("    maxAttempts: 0\n"), "provider.aws.maxAttempts", "expected an integer >= 1 (range 1..10), got 0"),
        bad("eleven attempts", aws("    maxAttempts: 11\n"), "provider.aws.maxAttempts", "expected an integer <= 10 (range 1..10), got 11"),
        bad("quoted attempts", aws("    maxAttempts: '4'\n"), "provider.aws.maxAttempts", "expected an integer in 1..10, got string '4'"),
        bad("backoff without unit", aws("    backoffInitial: 500\n"), "provider.aws.backoffInitial", "a bare number has no unit; write e.g. 500s"),
        bad("backoff max below initial", aws("    backoffInitial: 2s\n    backoffMax: 1s\n"), "provider.aws.backoffMax", "1s must be at least backoffInitial (2s)"),
        bad("backoff above 5m", aws("    backoffMax: 1h\n"), "provider.aws.backoffMax", "expected at most 5m"),
        bad("zero call timeout", aws("    callTimeout: 0s\n"), "provider.aws.callTimeout", "expected a positive duration (at least 100ms)"),
        bad("call timeout above 10m", aws("    callTimeout: 11m\n"), "provider.aws.callTimeout", "expected at most 10m"),
        bad("negative cache ttl", aws("    cacheTtl: -1m\n"), "provider.aws.cacheTtl", "a duration cannot be negative"),
        bad("http endpoint off loopback", aws("    endpoints: {autoScaling: 'http://autoscaling.internal'}\n"), "provider.aws.endpoints.autoScaling",
            "http:// is allowed only for a fake on this machine (127.0.0.1, localhost, [::1]): the SDK would send the credentials' session token unencrypted"),
        bad("endpoint with a path", aws("    endpoints: {ec2: 'https://ec2.example/v1'}\n"), "provider.aws.endpoints.ec2", "expected scheme, host and port only (no path, query or fragment)"),
        bad("endpoint without scheme", aws("    endpoints: {ec2: ec2.eu-west-1.amazonaws.com}\n"), "provider.aws.endpoints.ec2", "expected an absolute https:// URL"),
        bad("endpoint not a URL", aws("    endpoints: {serviceQuotas: 'https://a b'}\n"), "provider.aws.endpoints.serviceQuotas", "is not a valid URL (Illegal character in authority at index 8)"),
        bad("endpoints given a string", aws("    endpoints: 'https://x'\n"), "provider.aws.endpoints", "expected a mapping with keys autoScaling, ec2, serviceQuotas"),
        // provider.gke
        bad("gke without project", "provider:\n  type: gke\n  gke: {location: europe-west1, cluster: prod}\n", "provider.gke.project", "required: the GCP project ID of the cluster"),
        bad("gke without location", "provider:\n  type: gke\n  gke: {project: my-project, cluster: prod}\n", "provider.gke.location",
            "required: the cluster's region (europe-west1) or zone (europe-west1-b)"),
        bad("gke without cluster", "provider:\n  type: gke\n  gke: {project: my-project, location: europe-west1}\n", "provider.gke.cluster", "required: the cluster's name"),
        bad("unknown gke key", gke("    nodePool: [a]\n"), "provider.gke.nodePool", "unknown key (did you mean 'nodePools'?)"),
        bad("bad project", "provider:\n  type: gke\n  gke: {project: My_Project, location: europe-west1, cluster: prod}\n", "provider.gke.project",
            "expected a GCP project ID (6 to 30 lower-case letters, digits and '-', starting with a letter"),
        bad("bad location", "provider:\n  type: gke\n  gke: {project: my-project, location: europe, cluster: prod}\n", "provider.gke.location",
            "'europe' is neither a zone (europe-west1-b) nor a region (europe-west1)"),
        bad("bad cluster name", "provider:\n  type: gke\n  gke: {project: my-project, location: europe-west1, cluster: Prod}\n", "provider.gke.cluster",
            "expected a GKE cluster name (1 to 40 lower-case letters, digits and '-'"),
        bad("bad pool name", gke("    nodePools: [default-pool, pool_2]\n"), "provider.gke.nodePools[1]", "expected a node pool name"),
        bad("pool twice", gke("    nodePools: [a, a]\n"), "provider.gke.nodePools[1]", "'a' is listed twice"),
        bad("bad target version", gke("    targetVersion: latest\n"), "provider.gke.targetVersion", "expected a GKE version like 1.31.4-gke.1256000, 1.31.4 or 1.31, got 'latest'"),
        bad("unquoted target version", gke("    targetVersion: 1.31\n"), "provider.gke.targetVersion", "expected a string, got number 1.31 (quote the value"),
        bad("negative pool size", gke("    maxPoolSize: -1\n"), "provider.gke.maxPoolSize", "expected an integer >= 0, got -1"),
        bad("quoted checkQuota", gke("    checkQuota: 'false'\n"), "provider.gke.checkQuota", "expected true or false, got string 'false'"),
        bad("container endpoint with scheme", gke("    containerEndpoint: https://container.googleapis.com\n"), "provider.gke.containerEndpoint",
            "expected host:port of a GKE API endpoint, e.g. container.googleapis.com:443 or 127.0.0.1:8443, got 'https://container.googleapis.com' (write it without a scheme"),
        bad("container endpoint port too high", gke("    containerEndpoint: 127.0.0.1:70000\n"), "provider.gke.containerEndpoint", "the port must be within 1..65535, got 70000"),
        bad("http compute endpoint with TLS", gke("    computeEndpoint: http://127.0.0.1:8080\n"), "provider.gke.computeEndpoint",
            "http:// needs plaintext: true (an emulator, no credentials); otherwise the client would send Google credentials unencrypted"),
        bad("compute endpoint with a path", gke("    computeEndpoint: https://compute.googleapis.com/compute/v1\n"), "provider.gke.computeEndpoint", "no path, query or fragment"),
        bad("plaintext to Google", gke("    plaintext: true\n"), "provider.gke.plaintext",
            "true needs containerEndpoint and computeEndpoint (an emulator or a test fake): Google's own endpoints only speak TLS"),
        bad("plaintext with one endpoint", gke("    plaintext: true\n    containerEndpoint: 127.0.0.1:8443\n"), "provider.gke.plaintext", "needs containerEndpoint and computeEndpoint"),
        bad("zero call timeout (gke)", gke("    callTimeout: 0s\n"), "provider.gke.callTimeout", "expected a positive duration"),
        bad("operation timeout above 7d", gke("    operationTimeout: 8d\n"), "provider.gke.operationTimeout", "expected at most 7d"),
        bad("poll interval not below operation timeout", gke("    operationTimeout: 10s\n"), "provider.gke.pollInterval", "10s must be shorter than operationTimeout (10s)"),
        bad("unknown retry key", gke("    retry: {attempt: 3}\n"), "provider.gke.retry.attempt", "unknown key (did you mean 'attempts'?)"),
        bad("zero retry attempts", gke("    retry: {attempts: 0}\n"), "provider.gke.retry.attempts", "expected an integer >= 1 (range 1..10), got 0"),
        bad("retry max below initial", gke("    retry: {initialBackoff: 2s, maxBackoff: 1s}\n"), "provider.gke.retry", "maxBackoff (1s) must be at least initialBackoff (2s)"),
        bad("retry given a number", gke("    retry: 3\n"), "provider.gke.retry", "expected a mapping with keys attempts, initialBackoff, maxBackoff"),
        bad("cache ttl without unit", gke("    cacheTtl: 60\n"), "provider.gke.cacheTtl", "a bare number has no unit; write e.g. 60s"),
        bad("misspelt strategy", gke("    strategy: nativ\n"), "provider.gke.strategy", "expected one of nodes, native, got 'nativ' (did you mean 'native'?)"),
        bad("nativeUpgrade under nodes", gke("    nativeUpgrade: {strategy: surge}\n"), "provider.gke.nativeUpgrade",
            "set, but provider.gke.strategy is nodes (the default); the section configures strategy native only"),
        bad("nativeUpgrade under explicit nodes", gke("    strategy: nodes\n    nativeUpgrade:\n"), "provider.gke.nativeUpgrade", "provider.gke.strategy is nodes;"),
        // provider.gke.nativeUpgrade
        bad("unknown nativeUpgrade key", gkeNative("maxSurg: 2"), "provider.gke.nativeUpgrade.maxSurg", "unknown key (did you mean 'maxSurge'?)"),
        bad("misspelt upgrade strategy", gkeNative("strategy: blue-gren"), "provider.gke.nativeUpgrade.strategy",
            "expected one of surge, blue-green, got 'blue-gren' (did you mean 'blue-green'?)"),
        bad("surge of nothing", gkeNative("maxSurge: 0, maxUnavailable: 0"), "provider.gke.nativeUpgrade",
            "maxSurge and maxUnavailable are both 0: GKE could never replace a node; set one of them above 0"),
        bad("negative surge (gke)", gkeNative("maxSurge: -1"), "provider.gke.nativeUpgrade.maxSurge", "expected an integer >= 0, got -1"),
        bad("zero batch", gkeNative("strategy: blue-green, batchNodeCount: 0"), "provider.gke.nativeUpgrade.batchNodeCount", "expected an integer >= 1 (range 1..1000), got 0"),
        bad("batch percentage as percent", gkeNative("batchPercentage: 25"), "provider.gke.nativeUpgrade.batchPercentage",
            "expected a fraction of the pool in (0, 1], e.g. 0.25 for 25%, got 25"),
        bad("batch percentage zero", gkeNative("batchPercentage: 0.0"), "provider.gke.nativeUpgrade.batchPercentage", "expected a fraction of the pool in (0, 1]"),
        bad("batch percentage with %", gkeNative("batchPercentage: 25%"), "provider.gke.nativeUpgrade.batchPercentage",
            "expected a finite number, got string '25%' (write numbers without quotes and without '%')"),
        bad("batch count and percentage", gkeNative("batchNodeCount: 2, batchPercentage: 0.5"), "provider.gke.nativeUpgrade.batchPercentage",
            "set either batchNodeCount or batchPercentage, not both"),
        bad("soak above 7d", gkeNative("nodePoolSoak: 8d"), "provider.gke.nativeUpgrade.nodePoolSoak", "expected at most 7d"),
        bad("negative soak", gkeNative("batchSoak: -5m"), "provider.gke.nativeUpgrade.batchSoak", "a duration cannot be negative"),
        bad("unknown onStop", gkeNative("onStop: pause"), "provider.gke.nativeUpgrade.onStop", "expected one of rollback, cancel, detach, got 'pause'"),
        bad("quoted completeAfterSoak", gkeNative("completeAfterSoak: 'true'"), "provider.gke.nativeUpgrade.completeAfterSoak", "expected true or false"),
        bad("blue-green soak longer than the operation timeout", gkeNative("strategy: blue-green"), "provider.gke.operationTimeout",
            "30m does not cover nativeUpgrade.nodePoolSoak (1h): rotator would give the upgrade up while GKE soaks"),
        // selector
        bad("bad kubelet version", "selector:\n  kubeletVersionBelow: latest\n", "selector.kubeletVersionBelow", "expected a Kubernetes version like v1.31.2, got 'latest'"),
        bad("kubelet version with suffix", "selector:\n  kubeletVersionBelow: v1.31.2-eks-1\n", "selector.kubeletVersionBelow", "expected a Kubernetes version"),
        bad("unquoted 1.31 is a number", "selector:\n  kubeletVersionBelow: 1.31\n", "selector.kubeletVersionBelow", "expected a string, got number 1.31"),
        bad("empty selector", "selector: {}\n", "selector", "no criterion set"),
        bad("selector with nothing under it", "selector:\n", "selector", "no criterion set"),
        bad("selector with only provider: false", "selector:\n  provider: false\n", "selector", "no criterion set"),
        bad("label without value", "selector:\n  label: {key: pool}\n", "selector.label.value", "required"),
        bad("label without key", "selector:\n  label: {value: v2}\n", "selector.label.key", "required"),
        bad("invalid label key", "selector:\n  label: {key: 'bad key!', value: v}\n", "selector.label.key", "expected a Kubernetes label/annotation key"),
        bad("invalid label value", "selector:\n  label: {key: pool, value: 'a b'}\n", "selector.label.value", "expected a Kubernetes label value"),
        bad("unquoted no is a boolean", "selector:\n  label: {key: pool, value: no}\n", "selector.label.value", "expected a string, got boolean false (unquoted yes/no"),
        // cluster
        bad("namespace not a DNS label", "cluster:\n  stateNamespace: Rotator_System\n", "cluster.stateNamespace", "expected a DNS-1123 label"),
        bad("configmap name not a subdomain", "cluster:\n  stateConfigMap: state..map\n", "cluster.stateConfigMap", "expected a DNS-1123 subdomain"),
        bad("empty kubeconfig", "cluster:\n  kubeconfig: ''\n", "cluster.kubeconfig", "must not be empty"),
        bad("control characters in context", "cluster:\n  context: \"a\\nb\"\n", "cluster.context", "must not contain control characters"),
        // identity
        bad("wrong apiVersion", "apiVersion: v1\n", "apiVersion", "expected 'rotator.dev/v1alpha1', got 'v1'"),
        bad("wrong kind", "kind: Config\n", "kind", "expected 'RotatorConfig', got 'Config'"),
        // YAML itself
        bad("alias bomb", aliasBomb(), "b[0]", "YAML aliases (*a) are not allowed"),
        bad("plain alias", "policy:\n  maxSurge: &n 1\n  maxUnavailable: *n\n", "policy.maxUnavailable", "YAML aliases (*n) are not allowed"),
        bad("explicit tag", "policy:\n  maxSurge: !!binary aGk=\n", "policy.maxSurge", "explicit YAML tags"),
        bad("duplicate key", "policy:\n  maxSurge: 1\n  maxSurge: 2\n", "policy.maxSurge", "duplicate key"),
        bad("two documents", "policy: {}\n---\ngates: {}\n", "(root)", "more than one YAML document"),
        bad("syntax error", "policy: [1\ngates: {}\n", "policy", "not valid YAML at line 2"),
        bad("bad indentation", "policy:\n  maxSurge: 1\n    maxUnavailable: 2\n", "policy", "not valid YAML at line 3"),
        bad("nesting bomb", "x: " + "[".repeat(200) + "]".repeat(200) + "\n", "x" + "[0]".repeat(64), "nested deeper than 64 levels"),
        bad("non-map root: list", "- a\n- b\n", "(root)", "expected a mapping with keys apiVersion, kind, cluster"),
        bad("non-map root: scalar", "hello\n", "(root)", "expected a mapping"),
        bad("2 MiB document", "# " + "x".repeat(2 << 20) + "\n", "(root)", "the document is larger than 1048576 bytes"),
        // gates: unknown keys, in sections and in list elements
        bad("unknown key in gates.apiserver", "gates:\n  apiserver: {probeTimout: 1s}\n", "gates.apiserver.probeTimout", "unknown key (did you mean 'probeTimeout'?)"),
        bad("unknown key in gates.apiserver.metrics", "gates:\n  apiserver: {metrics: {enable: true}}\n", "gates.apiserver.metrics.enable", "unknown key (did you mean 'enabled'?)"),
        bad("unknown key in an http element", "gates:\n  http:\n    - {name: a, url: 'http://x/'}\n    - {name: b, url: 'http://x/', urll: y}\n",
            "gates.http[1].urll", "unknown key (did you mean 'url'?); known keys here: name, url, expectStatus"),
        bad("unknown key in a rule", "gates:\n  prometheus:\n    rules:\n      - {name: r, expr: up, op: '>', treshold: 1}\n",
            "gates.prometheus.rules[0].treshold", "unknown key (did you mean 'threshold'?)"),
        bad("unknown gate", "gates:\n  etcdViaApiserver: {enabled: true}\n", "gates.etcdViaApiserver", "did you mean 'etcdViaApiServer'?"),
        // gates.http
        bad("http given a mapping", "gates:\n  http: {name: a, url: 'http://x/'}\n", "gates.http", "expected a list of mappings with keys name, url, expectStatus, bodyContains, bodyRegex, timeout; got a mapping (start each element with '- ')"),
        bad("http element given a string", "gates:\n  http: [a]\n", "gates.http[0]", "expected a mapping with keys name, url"),
        bad("http without url", "gates:\n  http:\n    - {name: a, url: 'http://x/'}\n    - {name: b}\n", "gates.http[1].url", "required: the URL to GET"),
        bad("http without name", "gates:\n  http:\n    - {url: 'http://x/'}\n", "gates.http[0].name", "required"),
        bad("http ftp url", "gates:\n  http: [{name: a, url: 'ftp://x/'}]\n", "gates.http[0].url", "must be an http:// or https:// URL, got 'ftp://x/'"),
        bad("http url with credentials", "gates:\n  http: [{name: a, url: 'https://u:p@x/'}]\n", "gates.http[0].url", "must not carry credentials"),
        bad("http bad name", "gates:\n  http: [{name: 'bad name', url: 'http://x/'}]\n", "gates.http[0].name", "must be 1 to 63 letters, digits"),
        bad("http bad regex", "gates:\n  http: [{name: a, url: 'http://x/', bodyRegex: '(ok'}]\n", "gates.http[0].bodyRegex", "is not a valid regular expression"),
        bad("http empty bodyContains", "gates:\n  http: [{name: a, url: 'http://x/', bodyContains: ''}]\n", "gates.http[0].bodyContains", "is empty, which every body contains"),
        bad("http status out of range", "gates:\n  http: [{name: a, url: 'http://x/', expectStatus: 700}]\n", "gates.http[0].expectStatus", "expected an integer <= 599 (range 100..599), got 700"),
        bad("http timeout above 5m", "gates:\n  http: [{name: a, url: 'http://x/', timeout: 6m}]\n", "gates.http[0].timeout", "expected at most 5m"),
        // check names
        bad("two http checks with one name", "gates:\n  http:\n    - {name: a, url: 'http://x/'}\n    - {name: a, url: 'http://y/'}\n",
            "gates.http[1].name", "'a' is already used by gates.http[0].name; check names must be unique"),
        bad("http check with a built-in name", "gates:\n  http: [{name: quota, url: 'http://x/'}]\n", "gates.http[0].name", "'quota' is already used by the built-in check of gates.quota"),
        bad("http check named like a disabled built-in", "gates:\n  etcd: {enabled: false}\n  http: [{name: etcd, url: 'http://x/'}]\n", "gates.http[0].name", "built-in check of gates.etcd"),
        bad("http check named like a rule", "gates:\n  prometheus:\n    rules: [{name: x, expr: up, op: '<', threshold: 1}]\n  http: [{name: x, url: 'http://x/'}]\n",
            "gates.http[0].name", "'x' is already used by gates.prometheus.rules[0].name"),
        bad("rule named like the alerts check", "gates:\n  prometheus:\n    rules: [{name: prometheus-alerts, expr: up, op: '<', threshold: 1}]\n",
            "gates.prometheus.rules[0].name", "'prometheus-alerts' is the alerts check's own name"),
        bad("two rules with one name", "gates:\n  prometheus:\n    rules:\n      - {name: x, expr: up, op: '<', threshold: 1}\n      - {name: x, expr: up, op: '<', threshold: 2}\n",
            "gates.prometheus.rules[1].name", "is used by an earlier rule"),
        // gates.prometheus
        bad("prometheus on without url", "gates:\n  prometheus: {enabled: true}\n", "gates.prometheus.url", "is required when the Prometheus checks are enabled"),
        bad("prometheus url with query", "gates:\n  prometheus: {url: 'http://p:9090/?x=1'}\n", "gates.prometheus.url", "without '?' or '#'"),
        bad("unquoted matcher", "gates:\n  prometheus:\n    alertMatchers:\n      - {severity=\"critical\"}\n", "gates.prometheus.alertMatchers[0]",
            "expected a string, got a mapping (YAML reads an unquoted {...} as a mapping: put single quotes around the matcher"),
        bad("matcher given as a string", "gates:\n  prometheus:\n    alertMatchers: 'severity=\"critical\"'\n", "gates.prometheus.alertMatchers",
            "expected a list of strings, got string 'severity=\"critical\"' (a single value is written as a list: [value])"),
        bad("empty matcher set", "gates:\n  prometheus:\n    alertMatchers: ['{}']\n", "gates.prometheus.alertMatchers[0]", "Watchdog"),
        bad("bad matcher", "gates:\n  prometheus:\n    alertMatchers: ['severity=critical']\n", "gates.prometheus.alertMatchers[0]", ""),
        bad("prometheus on, checking nothing", "gates:\n  prometheus: {enabled: true, url: 'http://p:9090', alertMatchers: []}\n", "gates.prometheus",
            "neither alertMatchers nor rules are set"),
        bad("unquoted > in op", "gates:\n  prometheus:\n    rules:\n      - name: r\n        expr: up\n        op: >\n        threshold: 1\n",
            "gates.prometheus.rules[0].op", "expected one of '>', '>=', '<', '<=' (quoted: an unquoted > starts a YAML folded text), got ''"),
        bad("unknown op", "gates:\n  prometheus:\n    rules: [{name: r, expr: up, op: '=>', threshold: 1}]\n", "gates.prometheus.rules[0].op", "got '=>'"),
        bad("quoted threshold", "gates:\n  prometheus:\n    rules: [{name: r, expr: up, op: '>', threshold: '0.5'}]\n", "gates.prometheus.rules[0].threshold",
            "expected a finite number, got string '0.5' (write numbers without quotes)"),
        bad("infinite threshold", "gates:\n  prometheus:\n    rules: [{name: r, expr: up, op: '>', threshold: .inf}]\n", "gates.prometheus.rules[0].threshold", "expected a finite number, got number Infinity (not finite)"),
        bad("NaN threshold", "gates:\n  prometheus:\n    rules: [{name: r, expr: up, op: '>', threshold: .NaN}]\n", "gates.prometheus.rules[0].threshold", "got number NaN (not finite)"),
        bad("NaN error percent", "gates:\n  apiserver: {maxErrorPercent: .nan}\n", "gates.apiserver.maxErrorPercent", "got number NaN (not finite)"),
        bad("threshold too large for a double", "gates:\n  prometheus:\n    rules: [{name: r, expr: up, op: '>', threshold: 1.0e999}]\n", "gates.prometheus.rules[0].threshold", "(too large)"),
        bad("missing threshold", "gates:\n  prometheus:\n    rules: [{name: r, expr: up, op: '>'}]\n", "gates.prometheus.rules[0].threshold", "required: a finite number"),
        bad("empty expr", "gates:\n  prometheus:\n    rules: [{name: r, expr: '  ', op: '>', threshold: 1}]\n", "gates.prometheus.rules[0].expr", "is empty"),
        bad("bad emptyIs", "gates:\n  prometheus:\n    rules: [{name: r, expr: up, op: '>', threshold: 1, emptyIs: ok}]\n", "gates.prometheus.rules[0].emptyIs",
            "expected one of healthy, unknown, got 'ok'"),
        bad("prometheus timeout 0", "gates:\n  prometheus: {timeout: 0s}\n", "gates.prometheus.timeout", "expected a positive duration"),
        // gates.apiserver
        bad("probe without slash", "gates:\n  apiserver: {probes: [/version, version]}\n", "gates.apiserver.probes[1]", "a path starting with '/' is expected, got 'version'"),
        bad("probe with ..", "gates:\n  apiserver: {probes: ['/api/../x']}\n", "gates.apiserver.probes[0]", "must not contain blanks, control characters, '#' or '..'"),
        bad("no probes", "gates:\n  apiserver: {probes: []}\n", "gates.apiserver.probes", "must list 1..10 paths, got 0"),
        bad("eleven probes", "gates:\n  apiserver: {probes: [/a, /b, /c, /d, /e, /f, /g, /h, /i, /j, /k]}\n", "gates.apiserver.probes", "at most 10 elements, got 11"),
        bad("probe listed twice", "gates:\n  apiserver: {probes: [/version, /version]}\n", "gates.apiserver.probes[1]", "'/version' is listed twice (first at [0])"),
        bad("unquoted ? in a flow list", "gates:\n  apiserver: {probes: [/api/v1/nodes?limit=1]}\n", "gates.apiserver.probes", "not valid YAML"),
        bad("minSamples above windowSize", "gates:\n  apiserver: {windowSize: 5}\n", "gates.apiserver.minSamples", "10 is above windowSize (5)"),
        bad("p50 above p99", "gates:\n  apiserver: {p50Threshold: 2s}\n", "gates.apiserver.p50Threshold", "2s is above p99Threshold (1s)"),
        bad("error percent above 100", "gates:\n  apiserver: {maxErrorPercent: 150}\n", "gates.apiserver.maxErrorPercent", "expected a number in 0..100, got integer 150"),
        bad("error percent with %", "gates:\n  apiserver: {maxErrorPercent: 5%}\n", "gates.apiserver.maxErrorPercent", "(write numbers without quotes and without '%')"),
        bad("error percent negative decimal", "gates:\n  apiserver: {maxErrorPercent: -0.5}\n", "gates.apiserver.maxErrorPercent", "expected a number in 0..100, got number -0.5"),
        bad("error percent boolean", "gates:\n  apiserver: {maxErrorPercent: true}\n", "gates.apiserver.maxErrorPercent", "got boolean true"),
        bad("bad verb", "gates:\n  apiserver: {metrics: {excludeVerbs: [WATCH, '']}}\n", "gates.apiserver.metrics.excludeVerbs[1]", "expected an HTTP/Kubernetes verb"),
        bad("verb given a number", "gates:\n  apiserver: {metrics: {excludeVerbs: [1]}}\n", "gates.apiserver.metrics.excludeVerbs[0]", "expected a string, got integer 1"),
        bad("metrics minRequests 0", "gates:\n  apiserver: {metrics: {minRequests: 0}}\n", "gates.apiserver.metrics.minRequests", "expected an integer >= 1"),
        bad("probe timeout above 60s", "gates:\n  apiserver: {probeTimeout: 61s}\n", "gates.apiserver.probeTimeout", "expected at most 1m"),
        // gates.versionSkew, gates.quota
        bad("skew above 10", "gates:\n  versionSkew: {maxMinorSkew: 11}\n", "gates.versionSkew.maxMinorSkew", "expected an integer <= 10"),
        bad("bad target version", "gates:\n  versionSkew: {targetVersion: latest}\n", "gates.versionSkew.targetVersion", "expected a Kubernetes version like v1.31.2"),
        bad("unquoted target version", "gates:\n  versionSkew: {targetVersion: 1.31}\n", "gates.versionSkew.targetVersion", "expected a string, got number 1.31"),
        bad("negative headroom", "gates:\n  quota: {minHeadroom: -1}\n", "gates.quota.minHeadroom", "expected an integer >= 0"),
        bad("group listed twice", "gates:\n  quota: {groups: [a, b, a]}\n", "gates.quota.groups[2]", "'a' is listed twice (first at [0])"),
        bad("empty group", "gates:\n  quota: {groups: [' ']}\n", "gates.quota.groups[0]", "a group name must not be empty"),
        bad("quota timeout above 60s", "gates:\n  quota: {timeout: 2m}\n", "gates.quota.timeout", "expected at most 1m"),
        // gates.etcd, gates.etcdViaApiServer
        bad("etcd on without endpoints", "gates:\n  etcd: {enabled: true}\n", "gates.etcd.endpoints", "is required when the etcd check is enabled"),
        bad("etcd endpoint without port", "gates:\n  etcd: {endpoints: ['https://10.0.0.1']}\n", "gates.etcd.endpoints[0]", "needs a host and an explicit port"),
        bad("etcd endpoint with a path", "gates:\n  etcd: {endpoints: ['http://10.0.0.1:2379/v3']}\n", "gates.etcd.endpoints[0]", "no path"),
        bad("etcd endpoint not a URL", "gates:\n  etcd: {endpoints: ['http://a b:2379']}\n", "gates.etcd.endpoints[0]", "Illegal character"),
        bad("etcd endpoint twice", "gates:\n  etcd: {endpoints: ['http://a:2379', 'http://a:2379']}\n", "gates.etcd.endpoints[1]", "listed twice"),
        bad("etcd endpoint twice, spelt differently", "gates:\n  etcd: {endpoints: ['http://a:2379', 'HTTP://a:2379/']}\n", "gates.etcd", "is listed twice"),
        bad("etcd cert without key", "gates:\n  etcd: {endpoints: ['https://a:2379'], certFile: /c.crt}\n", "gates.etcd", "certFile and keyFile go together"),
        bad("etcd CA with http only", "gates:\n  etcd: {endpoints: ['http://a:2379'], caFile: /ca.crt}\n", "gates.etcd", "no endpoint uses https"),
        bad("etcd TLS files without endpoints", "gates:\n  etcd: {caFile: /ca.crt}\n", "gates.etcd", "caFile, certFile and keyFile are set but no endpoints are"),
        bad("etcd timeout above 30s", "gates:\n  etcd: {timeout: 31s}\n", "gates.etcd.timeout", "expected at most 30s"),
        bad("etcdViaApiServer timeout 0", "gates:\n  etcdViaApiServer: {timeout: 0s}\n", "gates.etcdViaApiServer.timeout", "expected a positive duration"),
        // checkTimeout against the checks' own budgets
        bad("checkTimeout below apiserver's worst case", "gates:\n  checkTimeout: 5s\n", "gates.checkTimeout",
            "5s is shorter than a check may take by its own settings: 3 × gates.apiserver.probeTimeout (2s) = 6s; set gates.checkTimeout to at least 6s, or lower gates.apiserver.probeTimeout"),
        bad("checkTimeout below apiserver with metrics", "gates:\n  apiserver: {probeTimeout: 3s, metrics: {enabled: true}}\n", "gates.checkTimeout",
            "4 × gates.apiserver.probeTimeout (3s), with gates.apiserver.metrics.enabled = 12s"),
        bad("checkTimeout below an http timeout", "gates:\n  checkTimeout: 3s\n  apiserver: {enabled: false}\n  quota: {enabled: false}\n  http: [{name: a, url: 'http://x/', timeout: 4s}]\n", "gates.checkTimeout",
            "3s is shorter than a check may take by its own settings: gates.http[0].timeout = 4s; set gates.checkTimeout to at least 4s, or lower gates.http[0].timeout"),
        bad("checkTimeout below etcdViaApiServer", "gates:\n  etcdViaApiServer: {enabled: true, timeout: 6s}\n", "gates.checkTimeout", "2 × gates.etcdViaApiServer.timeout (6s) = 12s"),
        bad("checkTimeout below etcd", "gates:\n  etcd: {enabled: true, endpoints: ['http://a:2379'], timeout: 10s}\n", "gates.checkTimeout", "gates.etcd.timeout (10s) + 500ms = 10s500ms"),
        bad("checkTimeout below quota", "gates:\n  quota: {timeout: 11s}\n", "gates.checkTimeout", "gates.quota.timeout = 11s"),
        bad("checkTimeout below prometheus", "gates:\n  prometheus: {enabled: true, url: 'http://p:9090', timeout: 11s}\n", "gates.checkTimeout", "gates.prometheus.timeout = 11s"));
  }

  /** A valid AWS provider section plus {@code lines} (indented four spaces, under {@code aws:}). */
  static String aws(String lines) {
    return "provider:\n  type: aws\n  aws:\n    groupNames: [workers]\n" + lines;
  }

  /** A valid GKE provider section plus {@code lines} (indented four spaces, under {@code gke:}). */
  static String gke(String lines) {
    return "provider:\n  type: gke\n  gke:\n    project: my-project\n    location: europe-west1\n    cluster: prod\n" + lines;
  }

  /** strategy native with {@code flow} as the nativeUpgrade section ({@code a: 1, b: 2}). */
  static String gkeNative(String flow) {
    return gke("    strategy: native\n    nativeUpgrade: {" + flow + "}\n");
  }

  private static Arguments bad(String name, String yaml, String keyPath, String problemFragment) {
    return Arguments.of(name, yaml, keyPath, problemFragment);
  }

  /** "Billion laughs": nine levels of nine aliases each, a billion strings if expanded. */
  static String aliasBomb() {
    StringBuilder b = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    char prev = 'a';
    for (char c = 'b'; c <= 'i'; c++) {
      b.append(c).append(": &").append(c).append(" [");
      for (int i = 0; i < 9; i++) {
        b.append(i == 0 ? "" : ",").append('*').append(prev);
      }
      b.append("]\n");
      prev = c;
    }
    return b.toString();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  @DisplayName("a bad config is refused with a one-line message that starts with the key path")
  void refused(String name, String yaml, String keyPath, String problemFragment) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "rotator.yaml"));
    String msg = e.getMessage();
    assertTrue(msg.startsWith(keyPath + ": "), () -> "expected key path '" + keyPath + "' first: " + msg);
    assertEquals(keyPath, e.keyPath());
    assertTrue(msg.contains(problemFragment), () -> "expected '" + problemFragment + "' in: " + msg);
    assertFalse(msg.contains("\n"), () -> "message spans lines: " + msg);
    assertFalse(msg.contains("Exception") || msg.contains("\tat ") || msg.contains(".java:"), () -> "internals leak: " + msg);
    assertTrue(msg.length() < 600, () -> "message too long: " + msg.length());
    assertEquals("rotator.yaml", e.source());
    assertEquals("rotator.yaml: " + msg, e.describe());
  }
}

package dev.rotator.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.kubernetes.KubeClients;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.Simulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Known secret values are seeded where rotator reads credentials (the kubeconfig's bearer token, the AWS SDK's
 * secret key, the Slack bot token and signing secret files) and must never show up in anything rotator writes:
 * stdout and stderr (logs included) of status, freeze, resume and a frozen simulated run, the state ConfigMap,
 * Kubernetes Events.
 *
 * <p>Hook for the Slack issue: the Slack secrets are seeded as files named by the configuration; once Slack
 * alerts are wired into `run`/`sim`, enable {@code slack.alerts} here against a local fake Slack and add the
 * messages it received to {@link #written}.
 */
@Order(4)
class SecretsTest {
  static final String KUBE_TOKEN = "kube-token-7f3a9c1e5b2d";
  static final String AWS_SECRET = "aws-secret-Q9xZ4vB8nM2kL6pR";
  static final String SLACK_BOT = "xoxb-slack-bot-51ce3d9a";
  static final String SLACK_SIGNING = "slack-signing-0b7e44f2";
  static final List<String> SECRETS = List.of(KUBE_TOKEN, AWS_SECRET, SLACK_BOT, SLACK_SIGNING);
  private static final Results RESULTS = new Results("secrets");
  @TempDir Path tmp;
  private final List<String> written = new ArrayList<>();

  @AfterAll
  static void write() {
    RESULTS.write();
  }

  @Test
  @DisplayName("seeded secrets never appear in output, logs, the state ConfigMap or Events, through a freeze")
  void secretsNeverLeak() throws Exception {
    Path bot = tmp.resolve("bot-token");
    Path signing = tmp.resolve("signing-secret");
    Files.writeString(bot, SLACK_BOT);
    Files.writeString(signing, SLACK_SIGNING);
    String config = HostileInputTest.BASE_CONFIG + "slack:\n  enabled: false\n  botTokenFile: " + bot
        + "\n  signingSecretFile: " + signing + "\n";
    Path configFile = tmp.resolve("rotator.yaml");
    Files.writeString(configFile, config);
    String previousKey = System.getProperty("aws.secretAccessKey");
    System.setProperty("aws.accessKeyId", "AKIASECRETSTEST");
    System.setProperty("aws.secretAccessKey", AWS_SECRET);
    try (Simulator sim = Simulator.start(Scenario.parse(HostileInputTest.BASE_SCENARIO, "secrets.yaml"))) {
      Path kubeconfig = tmp.resolve("kubeconfig");
      Files.writeString(kubeconfig, HostileInputTest.kubeconfigFor(sim.apiUrl(), false).replace("kube-token-s3cr3t",
          KUBE_TOKEN));
      String[][] commands = {
        {"status", "-c", configFile.toString(), "--kubeconfig", kubeconfig.toString()},
        {"freeze", "--reason", "secrets test", "-c", configFile.toString(), "--kubeconfig", kubeconfig.toString()},
        {"status", "-o", "json", "-c", configFile.toString(), "--kubeconfig", kubeconfig.toString()},
        {"run", "-c", configFile.toString(), "--kubeconfig", kubeconfig.toString()},
        {"resume", "-c", configFile.toString(), "--kubeconfig", kubeconfig.toString()},
        {"plan", "-c", configFile.toString(), "--kubeconfig", kubeconfig.toString()},
      };
      for (String[] c : commands) {
        HostileInputTest.Cli r = HostileInputTest.cli(c);
        written.add(String.join(" ", c) + " -> " + r.exit() + "\n" + r.out() + r.err());
      }
      assertTrue(written.get(1).contains("-> 0"), "freeze worked: " + written.get(1));
      try (KubernetesClient admin = KubeClients.forUrl(sim.apiUrl())) {
        admin.configMaps().inAnyNamespace().list().getItems()
            .forEach(cm -> written.add("configmap " + cm.getMetadata().getName() + " " + cm.getData()));
        admin.v1().events().inAnyNamespace().list().getItems()
            .forEach(e -> written.add("event " + e.getReason() + " " + e.getMessage()));
      }
      assertTrue(written.stream().anyMatch(w -> w.startsWith("configmap rotator-state")), "the state was written");
    } finally {
      System.clearProperty("aws.accessKeyId");
      if (previousKey == null) {
        System.clearProperty("aws.secretAccessKey");
      } else {
        System.setProperty("aws.secretAccessKey", previousKey);
      }
    }
    // A frozen simulated run with the same credentials in reach.
    Path scenario = tmp.resolve("frozen.yaml");
    Files.writeString(scenario, ApiFaultsTest.scenario("secrets-frozen",
        "{kind: apiErrors, errorPercent: 100, status: 503, startSeconds: 5}").replace("rotator:\n",
        "rotator:\n  slack: {enabled: false, botTokenFile: " + bot + ", signingSecretFile: " + signing + "}\n"));
    HostileInputTest.Cli sim = HostileInputTest.cli("sim", "-v", "--scenario", scenario.toString());
    written.add("sim -> " + sim.exit() + "\n" + sim.out() + sim.err());
    assertEquals(3, sim.exit(), "the simulated run froze: " + sim.out() + sim.err());

    List<String> leaks = new ArrayList<>();
    for (String w : written) {
      for (String s : SECRETS) {
        if (w.contains(s)) {
          leaks.add(s + " in: " + w.lines().findFirst().orElse(""));
        }
      }
    }
    RESULTS.add("secrets", "seeded secrets (kubeconfig token, AWS key, Slack token files)",
        leaks.isEmpty() ? "no secret in any output" : "leaked", leaks.size());
    assertEquals(List.of(), leaks);
  }
}

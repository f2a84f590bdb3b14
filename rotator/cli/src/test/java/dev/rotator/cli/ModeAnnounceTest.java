package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.kubernetes.ConfigMapStateStore;
import dev.rotator.kubernetes.KubeClients;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.Simulator;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A freeze or resume by hand is told as a gate's or Slack's is: an Event on the state ConfigMap, and Slack. */
class ModeAnnounceTest {
  private static final String BOT_TOKEN = "xoxb-111-222-modeannouncetest";
  @TempDir Path tmp;

  private Path config(String apiUrl) throws Exception {
    Path bot = Files.writeString(tmp.resolve("bot-token"), BOT_TOKEN + "\n");
    return Files.writeString(tmp.resolve("rotator.yaml"), """
        slack:
          enabled: true
          apiUrl: %s
          callTimeout: 2s
          botTokenFile: %s
          alerts:
            channel: C0ALERTS
            clusterName: sim-cluster
            maxAttempts: 1
          commands:
            enabled: false
        """.formatted(apiUrl, bot));
  }

  private static List<Event> events(KubernetesClient client, String reason) {
    return client.v1().events().inNamespace(ConfigMapStateStore.DEFAULT_NAMESPACE).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  @Test
  @DisplayName("rotator freeze and resume post to Slack and create RotatorFrozen/RotatorResumed Events; a second"
      + " freeze of a frozen cluster announces nothing")
  void announced() throws Exception {
    try (ServeSlackTest.FakeSlack slack = new ServeSlackTest.FakeSlack();
        Simulator sim = Simulator.start(Scenario.builtin("demo"));
        KubernetesClient client = KubeClients.forUrl(sim.apiUrl())) {
      Path kc = tmp.resolve("kubeconfig");
      sim.writeKubeconfig(kc);
      Path cfg = config(slack.url());

      Cli.Result f = Cli.run("freeze", "--reason", "incident 42", "--config", cfg.toString(), "--kubeconfig",
          kc.toString());
      assertEquals(0, f.exit(), f.out() + f.err());
      List<ServeSlackTest.FakeSlack.Call> frozen = slack.posted(t -> t.contains("FROZEN") && t.contains("incident 42"));
      assertEquals(1, frozen.size(), slack.summary());
      assertEquals("C0ALERTS", frozen.get(0).params().get("channel"));
      assertEquals("Bearer " + BOT_TOKEN, frozen.get(0).authorization());
      List<Event> fe = events(client, "RotatorFrozen");
      assertEquals(1, fe.size(), "one RotatorFrozen event");
      assertEquals("Warning", fe.get(0).getType());
      assertTrue(fe.get(0).getMessage().contains("incident 42") && fe.get(0).getMessage().contains("cli:"),
          fe.get(0).getMessage());
      assertFalse(f.out().contains(BOT_TOKEN) || f.err().contains(BOT_TOKEN), "the token is never printed");

      Cli.Result again = Cli.run("freeze", "--reason", "another", "--config", cfg.toString(), "--kubeconfig",
          kc.toString());
      assertEquals(0, again.exit(), again.err());
      assertEquals(1, slack.posted(t -> t.contains("FROZEN")).size(), "already frozen: nothing new to tell");
      assertEquals(1, events(client, "RotatorFrozen").size());

      Cli.Result r = Cli.run("resume", "--config", cfg.toString(), "--kubeconfig", kc.toString());
      assertEquals(0, r.exit(), r.out() + r.err());
      assertEquals(1, slack.posted(t -> t.contains("Rotation resumed")).size(), slack.summary());
      assertEquals(1, events(client, "RotatorResumed").size());
      assertEquals("Normal", events(client, "RotatorResumed").get(0).getType());
    }
  }

  @Test
  @DisplayName("Slack unreachable: the freeze still holds and exits 0, with a warning that Slack was not told")
  void slackDownFreezeHolds() throws Exception {
    try (Simulator sim = Simulator.start(Scenario.builtin("demo"));
        KubernetesClient client = KubeClients.forUrl(sim.apiUrl())) {
      Path kc = tmp.resolve("kubeconfig");
      sim.writeKubeconfig(kc);
      Path cfg = config("http://127.0.0.1:1/api/");

      Cli.Result f = Cli.run("freeze", "--reason", "incident 43", "--config", cfg.toString(), "--kubeconfig",
          kc.toString());

      assertEquals(0, f.exit(), f.out() + f.err());
      assertTrue(f.err().contains("Slack message could not be posted"), f.err());
      assertEquals("FREEZE", new ConfigMapStateStore(client, sim.clock()).mode().mode().name());
      assertEquals(1, events(client, "RotatorFrozen").size(), "the Event does not depend on Slack");
    }
  }
}

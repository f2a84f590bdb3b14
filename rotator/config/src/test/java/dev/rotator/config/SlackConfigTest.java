package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SlackConfigTest {
  static final String SEEDED_TOKEN = "xoxb-1234567890-SEEDEDtokenVALUE";

  static final String MINIMAL =
      """
      slack:
        enabled: true
        botTokenEnv: SLACK_BOT_TOKEN
        signingSecretFile: /var/run/secrets/slack/signing-secret
        alerts:
          channel: C0ALERTS
        commands:
          teams: [T0ACME]
          channels: [C0OPS]
          freeze:
            users: [U0ALICE]
      """;

  static ConfigException refused(String yaml) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "t.yaml"));
  }

  @Test
  @DisplayName("no slack section: Slack is off")
  void absentIsDisabled() {
    SlackSettings s = ConfigLoader.defaults().slack();
    assertEquals(SlackSettings.disabled(), s);
    assertFalse(s.alertsOn());
    assertFalse(s.commandsOn());
  }

  @Test
  @DisplayName("a minimal section: env and file secret references, HTTP mode, defaults elsewhere")
  void minimal() {
    SlackSettings s = ConfigLoader.parse(MINIMAL, "t.yaml").slack();
    assertTrue(s.alertsOn() && s.commandsOn());
    assertEquals(Optional.of(SlackSettings.SecretRef.env("SLACK_BOT_TOKEN")), s.botToken());
    assertEquals(Optional.of(SlackSettings.SecretRef.file("/var/run/secrets/slack/signing-secret")), s.signingSecret());
    assertEquals(SlackSettings.Mode.HTTP, s.commands().mode());
    assertEquals(List.of("U0ALICE"), s.commands().freeze().users());
    assertEquals("/rotator", s.commands().command());
  }

  @Test
  @DisplayName("a token written as the value of botTokenEnv is refused without echoing it")
  void literalTokenRefused() {
    ConfigException e = refused(MINIMAL.replace("botTokenEnv: SLACK_BOT_TOKEN", "botTokenEnv: " + SEEDED_TOKEN));
    assertEquals("slack.botTokenEnv", e.keyPath());
    assertTrue(e.getMessage().contains("never written in rotator.yaml"), e.getMessage());
    assertFalse(e.getMessage().contains(SEEDED_TOKEN), e.getMessage());
  }

  @Test
  @DisplayName("a signing secret pasted as a file path is refused")
  void literalSigningSecretRefused() {
    ConfigException e =
        refused(MINIMAL.replace("/var/run/secrets/slack/signing-secret", "8f742231b10e8888abcd99aaa85a5e3f"));
    assertEquals("slack.signingSecretFile", e.keyPath());
    assertFalse(e.getMessage().contains("8f742231b10e8888abcd99aaa85a5e3f"));
  }

  @Test
  @DisplayName("an inline botToken key is refused as a credential, not as a typo, and its value is not shown")
  void inlineKeyRefused() {
    ConfigException e = refused(MINIMAL.replace("  botTokenEnv: SLACK_BOT_TOKEN", "  botToken: " + SEEDED_TOKEN));
    assertTrue(e.getMessage().contains("credentials are never read from rotator.yaml"), e.getMessage());
    assertTrue(e.getMessage().contains("botTokenEnv/botTokenFile"), e.getMessage());
    assertFalse(e.getMessage().contains(SEEDED_TOKEN));
  }

  @Test
  @DisplayName("both the variable and the file for one secret is refused")
  void bothRefused() {
    ConfigException e = refused(MINIMAL.replace("  botTokenEnv: SLACK_BOT_TOKEN", "  botTokenEnv: A\n  botTokenFile: /x"));
    assertEquals("slack.botTokenFile", e.keyPath());
  }

  @Test
  @DisplayName("HTTP mode needs the signing secret; Socket Mode needs the app token")
  void modeNeedsSecret() {
    assertEquals("slack.signingSecretEnv",
        refused(MINIMAL.replace("  signingSecretFile: /var/run/secrets/slack/signing-secret\n", "")).keyPath());
    assertEquals("slack.appTokenEnv",
        refused(MINIMAL.replace("  commands:\n", "  commands:\n    mode: socket\n")).keyPath());
    SlackSettings s =
        ConfigLoader.parse(MINIMAL.replace("  commands:\n", "  commands:\n    mode: socket\n")
            .replace("  botTokenEnv: SLACK_BOT_TOKEN\n", "  botTokenEnv: SLACK_BOT_TOKEN\n  appTokenEnv: SLACK_APP_TOKEN\n"), "t")
            .slack();
    assertEquals(SlackSettings.Mode.SOCKET, s.commands().mode());
  }

  @Test
  @DisplayName("commands need workspaces, channels and someone allowed; alerts need a channel")
  void requirements() {
    assertEquals("slack.commands.teams", refused(MINIMAL.replace("    teams: [T0ACME]\n", "")).keyPath());
    assertEquals("slack.commands.channels", refused(MINIMAL.replace("    channels: [C0OPS]\n", "")).keyPath());
    assertEquals("slack.commands", refused(MINIMAL.replace("    freeze:\n      users: [U0ALICE]\n", "")).keyPath());
    assertEquals("slack.alerts.channel", refused(MINIMAL.replace("    channel: C0ALERTS\n", "")).keyPath());
  }

  @Test
  @DisplayName("user, group, team and channel IDs are checked for their shape")
  void idShapes() {
    ConfigException e = refused(MINIMAL.replace("users: [U0ALICE]", "users: [alice]"));
    assertEquals("slack.commands.freeze.users[0]", e.keyPath());
    assertTrue(e.getMessage().contains("user ID"), e.getMessage());
    assertTrue(refused(MINIMAL.replace("channels: [C0OPS]", "channels: [\"#ops\"]")).getMessage().contains("channel ID"));
    assertTrue(refused(MINIMAL.replace("teams: [T0ACME]", "teams: [acme]")).getMessage().contains("workspace ID"));
  }
}

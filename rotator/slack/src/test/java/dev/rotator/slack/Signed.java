package dev.rotator.slack;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Builds slash-command bodies and signs them as Slack does. */
final class Signed {
  private static final java.util.concurrent.atomic.AtomicLong TRIGGER = new java.util.concurrent.atomic.AtomicLong();

  private Signed() {}

  /** The text of a slash-command response body. */
  static String text(String responseBody) {
    return com.google.gson.JsonParser.parseString(responseBody).getAsJsonObject().get("text").getAsString();
  }

  static String commandBody(String user, String team, String channel, String text) {
    return commandBody(user, team, channel, text, "http://127.0.0.1:9/response");
  }

  static String commandBody(String user, String team, String channel, String text, String responseUrl) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("token", "legacy-verification-token");
    f.put("team_id", team);
    f.put("team_domain", "acme");
    f.put("channel_id", channel);
    f.put("channel_name", "ops");
    f.put("user_id", user);
    f.put("user_name", "user-" + user);
    f.put("command", "/rotator");
    f.put("text", text);
    f.put("api_app_id", "A0ROTATOR");
    f.put("response_url", responseUrl);
    // Unique per request, as Slack's are: two identical commands in one second are not a replay.
    f.put("trigger_id", "123.456." + TRIGGER.incrementAndGet());
    return f.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  static String signature(String secret, long ts, String body) {
    SlackRequestVerifier v = new SlackRequestVerifier(Secret.of(secret, "test"), new dev.rotator.core.fake.ManualClock(), 1);
    return "v0=" + v.hmac(Long.toString(ts), body.getBytes(StandardCharsets.UTF_8));
  }
}

package dev.rotator.slack;

import com.slack.api.model.block.LayoutBlock;
import java.util.List;

/**
 * One chat.postMessage: Block Kit blocks and the plain-text fallback Slack shows in notifications.
 *
 * @param text fallback text (notifications, screen readers)
 * @param blocks the Block Kit layout
 */
public record SlackMessage(String text, List<LayoutBlock> blocks) {
  public SlackMessage {
    text = text == null ? "" : text;
    blocks = blocks == null ? List.of() : List.copyOf(blocks);
  }
}

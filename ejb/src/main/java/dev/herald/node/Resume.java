package dev.herald.node;

import dev.herald.engine.History;

/**
 * How a connecting client asks to pick up its user's stream: from its position ({@code since}), or from the
 * user's read cursor ({@code inbox}); {@code since} wins when both are given.
 *
 * @param since the client's position, or {@code null}
 * @param inbox whether to replay the user's unread notices
 */
public record Resume(History.Position since, boolean inbox) {

    /** Nothing to pick up: live notices only. */
    public static final Resume NONE = new Resume(null, false);
}

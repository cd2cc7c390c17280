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

    /**
     * The position {@code text}, {@code EPOCH:OFFSET} as a {@code since} query parameter gives it, or {@code null}
     * for {@code null}.
     *
     * @throws dev.herald.InvalidNoticeException when it is not such a position
     */
    public static History.Position since(String text) {
        if (text == null) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        String digits = text.substring(colon + 1);
        if (colon > 0 && ClientProtocol.validEpoch(text.substring(0, colon)) && !digits.isEmpty()
                && digits.length() <= 18 && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return new History.Position(text.substring(0, colon), Long.parseLong(digits));
        }
        throw new dev.herald.InvalidNoticeException("'since' must be EPOCH:OFFSET, as a welcome's epoch and offset give them");
    }
}

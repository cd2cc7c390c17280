package dev.herald;

import jakarta.json.JsonValue;
import java.util.Objects;

/**
 * A notice to send: who it is for, an event name the client dispatches on, and a JSON payload; and how it is
 * delivered: a notice to a user or a channel is kept in that recipient's stream (it carries an offset, and a
 * client that reconnects is replayed it) unless it is {@linkplain #asTransient() transient}, and an
 * {@linkplain #asUrgent() urgent} one goes ahead of the frames waiting in each session's queue.
 *
 * <p>Immutable. The event name is 1 to 128 characters of letters, digits and {@code . _ - : /};
 * a {@code null} payload is sent as JSON {@code null}. Invalid values throw {@link InvalidNoticeException}.
 *
 * @param to the recipient, never {@code null}
 * @param event the event name, e.g. {@code order.shipped}
 * @param data the payload; never {@code null} once constructed
 * @param isTransient whether the notice is not kept (typing indicators, cursors: what is stale a moment later)
 * @param isUrgent whether it goes ahead of the normal frames waiting in a session's queue
 */
public record Notice(Recipient to, String event, JsonValue data, boolean isTransient, boolean isUrgent) {

    /** The longest event name accepted. */
    public static final int MAX_EVENT_LENGTH = 128;

    public Notice {
        if (to == null) {
            throw new InvalidNoticeException("recipient must not be null");
        }
        checkEvent(event);
        data = Objects.requireNonNullElse(data, JsonValue.NULL);
    }

    /** A notice kept where its recipient's stream keeps notices, and not urgent. */
    public Notice(Recipient to, String event, JsonValue data) {
        this(to, event, data, false, false);
    }

    /** This notice, not kept in its recipient's stream: no offset, never replayed. */
    public Notice asTransient() {
        return new Notice(to, event, data, true, isUrgent);
    }

    /** This notice, ahead of the normal frames waiting in each session's queue. */
    public Notice asUrgent() {
        return new Notice(to, event, data, isTransient, true);
    }

    /**
     * Checks that {@code event} is a usable event name: 1 to {@value #MAX_EVENT_LENGTH} characters of ASCII
     * letters, digits and {@code . _ - : /}, so that it never needs escaping in JSON.
     *
     * @throws InvalidNoticeException when it is not
     */
    public static String checkEvent(String event) {
        boolean valid = event != null && !event.isEmpty() && event.length() <= MAX_EVENT_LENGTH;
        for (int i = 0; valid && i < event.length(); i++) {
            char c = event.charAt(i);
            valid = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == '-' || c == ':' || c == '/';
        }
        if (!valid) {
            throw new InvalidNoticeException(
                    "event must be 1 to 128 characters of letters, digits and . _ - : / but was "
                            + (event == null ? "null" : "'" + abbreviate(event) + "'"));
        }
        return event;
    }

    /** At most 40 characters of {@code s}, control characters masked: the message is logged and sent back. */
    private static String abbreviate(String s) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), 40) + 3);
        for (int i = 0; i < s.length() && i < 40; i++) {
            char c = s.charAt(i);
            out.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        return s.length() <= 40 ? out.toString() : out.append("...").toString();
    }
}

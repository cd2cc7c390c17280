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
 * @param base64 a binary payload, base64-encoded (RFC 4648, with padding), or {@code null} for none; clients
 *     receive it as {@code "data_b64"} beside {@code data}
 */
public record Notice(Recipient to, String event, JsonValue data, boolean isTransient, boolean isUrgent,
        String base64) {

    /** The longest event name accepted. */
    public static final int MAX_EVENT_LENGTH = 128;

    public Notice {
        if (to == null) {
            throw new InvalidNoticeException("recipient must not be null");
        }
        checkEvent(event);
        data = Objects.requireNonNullElse(data, JsonValue.NULL);
        if (base64 != null) {
            checkBase64(base64);
        }
    }

    /** A notice kept where its recipient's stream keeps notices, not urgent, without bytes. */
    public Notice(Recipient to, String event, JsonValue data) {
        this(to, event, data, false, false, null);
    }

    /** A notice of {@code bytes}, which clients receive base64-encoded as {@code "data_b64"} (and {@code data} null). */
    public static Notice ofBytes(Recipient to, String event, byte[] bytes) {
        return new Notice(to, event, JsonValue.NULL, false, false,
                java.util.Base64.getEncoder().encodeToString(Objects.requireNonNull(bytes, "bytes")));
    }

    /** The binary payload, decoded, or {@code null} when the notice has none. */
    public byte[] bytes() {
        return base64 == null ? null : java.util.Base64.getDecoder().decode(base64);
    }

    /** This notice, not kept in its recipient's stream: no offset, never replayed. */
    public Notice asTransient() {
        return new Notice(to, event, data, true, isUrgent, base64);
    }

    /** This notice, ahead of the normal frames waiting in each session's queue. */
    public Notice asUrgent() {
        return new Notice(to, event, data, isTransient, true, base64);
    }

    /**
     * Checks that {@code text} is base64 (RFC 4648's alphabet, padded to a multiple of 4 characters).
     *
     * @throws InvalidNoticeException when it is not
     */
    public static String checkBase64(String text) {
        boolean valid = text.length() % 4 == 0;
        for (int i = 0; valid && i < text.length(); i++) {
            char c = text.charAt(i);
            valid = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
                    || c == '=' && i >= text.length() - 2 && (i == text.length() - 1 || text.charAt(i + 1) == '=');
        }
        if (!valid) {
            throw new InvalidNoticeException("binary data must be base64 (A-Z a-z 0-9 + /, padded with = to a multiple of 4)");
        }
        return text;
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

package dev.herald;

import java.io.Serializable;
import java.util.Objects;

/**
 * Who a notice is for: every session of one user, one session, every session subscribed to a channel, or every
 * connected session.
 *
 * <p>Instances are immutable and validated on creation: ids are 1 to {@value #MAX_ID_LENGTH} characters
 * and contain no control characters, channel names follow {@link #checkChannel}, otherwise
 * {@link InvalidNoticeException} is thrown.
 *
 * @param kind the kind of recipient, never {@code null}
 * @param id the user or session id, or the channel name; {@code null} for {@link Kind#ALL}
 */
public record Recipient(Kind kind, String id) implements Serializable {

    /** The longest user or session id accepted. */
    public static final int MAX_ID_LENGTH = 256;
    /** The longest channel name accepted. */
    public static final int MAX_CHANNEL_LENGTH = 200;

    private static final Recipient ALL = new Recipient(Kind.ALL, null);

    /** The kinds of recipient. */
    public enum Kind {
        /** Every session of one user, on every node. */
        USER,
        /** One session, identified by the id Herald gave it on connect. */
        SESSION,
        /** Every session subscribed to one channel, on every node. */
        CHANNEL,
        /** Every session connected to any node. */
        ALL
    }

    public Recipient {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.ALL) {
            if (id != null) {
                throw new InvalidNoticeException("recipient 'all' takes no id");
            }
        } else if (kind == Kind.CHANNEL) {
            checkChannel(id);
        } else {
            checkId(kind.name().toLowerCase(), id);
        }
    }

    /** Every session of {@code user}, on every node. */
    public static Recipient user(String user) {
        return new Recipient(Kind.USER, user);
    }

    /** The one session with this id (as sent to the client in its {@code welcome} frame). */
    public static Recipient session(String sessionId) {
        return new Recipient(Kind.SESSION, sessionId);
    }

    /** Every session subscribed to channel {@code name}, on every node. */
    public static Recipient channel(String name) {
        return new Recipient(Kind.CHANNEL, name);
    }

    /** Every session connected to any node. */
    public static Recipient all() {
        return ALL;
    }

    /**
     * Checks that {@code value} is usable as a user or session id.
     *
     * @throws InvalidNoticeException naming {@code what} when it is not
     */
    public static String checkId(String what, String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidNoticeException(what + " id must not be empty");
        }
        if (value.length() > MAX_ID_LENGTH) {
            throw new InvalidNoticeException(what + " id is longer than " + MAX_ID_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new InvalidNoticeException(what + " id must not contain control characters");
            }
        }
        return value;
    }

    /**
     * Checks that {@code name} is a channel name: 1 to {@value #MAX_CHANNEL_LENGTH} characters of ASCII letters,
     * digits and {@code . _ - : / @ =}; {@code :} separates a namespace ({@code room:lobby}). Such a name needs no
     * escaping in JSON and holds no Redis hash tag braces.
     *
     * @throws InvalidNoticeException when it is not
     */
    public static String checkChannel(String name) {
        boolean valid = name != null && !name.isEmpty() && name.length() <= MAX_CHANNEL_LENGTH;
        for (int i = 0; valid && i < name.length(); i++) {
            char c = name.charAt(i);
            valid = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '@' || c == '=';
        }
        if (!valid) {
            throw new InvalidNoticeException("a channel name is 1 to " + MAX_CHANNEL_LENGTH
                    + " characters of letters, digits and . _ - : / @ =");
        }
        return name;
    }

    @Override
    public String toString() {
        return kind == Kind.ALL ? "all" : kind.name().toLowerCase() + ":" + id;
    }
}

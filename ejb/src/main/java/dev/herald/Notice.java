package dev.herald;

import jakarta.json.JsonValue;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A notice to send: who it is for, an event name the client dispatches on, and a JSON payload.
 *
 * <p>Immutable. The event name is 1 to 128 characters of letters, digits and {@code . _ - : /};
 * a {@code null} payload is sent as JSON {@code null}. Invalid values throw {@link InvalidNoticeException}.
 *
 * @param to the recipient, never {@code null}
 * @param event the event name, e.g. {@code order.shipped}
 * @param data the payload; never {@code null} once constructed
 */
public record Notice(Recipient to, String event, JsonValue data) {

    private static final Pattern EVENT = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");

    public Notice {
        if (to == null) {
            throw new InvalidNoticeException("recipient must not be null");
        }
        if (event == null || !EVENT.matcher(event).matches()) {
            throw new InvalidNoticeException(
                    "event must be 1 to 128 characters of letters, digits and . _ - : / but was "
                            + (event == null ? "null" : "'" + abbreviate(event) + "'"));
        }
        data = Objects.requireNonNullElse(data, JsonValue.NULL);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}

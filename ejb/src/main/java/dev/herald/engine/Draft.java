package dev.herald.engine;

import dev.herald.InvalidNoticeException;
import dev.herald.Notice;
import dev.herald.Recipient;

/**
 * A notice ready to stamp with its id and time: its recipient, its event name and its payload, already compact
 * JSON text ({@link NoticeCodec#json}, {@link RestNotices}), and how it is delivered (see {@link Notice}).
 *
 * @throws InvalidNoticeException for a missing recipient, a bad event name, or a payload holding a raw newline
 *     (which would end the frame inside an engine message)
 */
public record Draft(Recipient to, String event, String data, boolean isTransient, boolean isUrgent, String base64) {

    /** A draft of a notice kept where its stream keeps notices, not urgent, without bytes. */
    public Draft(Recipient to, String event, String data) {
        this(to, event, data, false, false, null);
    }

    public Draft {
        if (to == null) {
            throw new InvalidNoticeException("recipient must not be null");
        }
        Notice.checkEvent(event);
        if (data == null || data.isEmpty() || data.indexOf('\n') >= 0) {
            throw new InvalidNoticeException("the payload must be one JSON value without raw newlines");
        }
        if (base64 != null) {
            Notice.checkBase64(base64);
        }
    }
}

package dev.herald.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Session ids that name their node: {@code <nodeId>.<sequence>}, so that a notice to one session goes
 * straight to its node without a lookup. Node ids never contain a dot. Thread safe.
 */
public final class SessionIds {

    private final String nodeId;
    private final AtomicLong sequence = new AtomicLong();

    public SessionIds(String nodeId) {
        if (nodeId.indexOf('.') >= 0) {
            throw new IllegalArgumentException("node id must not contain '.': " + nodeId);
        }
        this.nodeId = nodeId;
    }

    /** A new id, unique within this node's lifetime, and across nodes since node ids are unique. */
    public String next() {
        return nodeId + '.' + Long.toString(sequence.incrementAndGet(), 36);
    }

    /** The node of {@code sessionId}, or {@code null} when the id is not of Herald's form. */
    public static String nodeOf(String sessionId) {
        int dot = sessionId.indexOf('.');
        return dot <= 0 || dot == sessionId.length() - 1 ? null : sessionId.substring(0, dot);
    }
}

package dev.herald.node;

import java.util.function.Consumer;

/**
 * One client connection as the node sees it; the war adapts a WebSocket session to it.
 *
 * <p>{@link SessionSender} calls {@link #send} for one frame at a time and waits for its completion before
 * the next, so implementations need not be thread safe for sends.
 */
public interface Transport {

    /**
     * Starts sending one text frame without blocking; {@code done} is called once, with {@code null} on
     * success or the failure, on any thread, possibly before this method returns.
     */
    void send(String text, Consumer<Throwable> done);

    /**
     * Whether the connection is still open as far as the container knows; cheap, called for every session on
     * every ping tick and after registering a session, to catch a close that the container did not report.
     * A transport that cannot tell answers {@code true} (the default): the node then relies on pongs.
     */
    default boolean isOpen() {
        return true;
    }

    /** Sends a ping so that a dead peer is found; must not block for long. */
    void ping();

    /** Closes the connection with a WebSocket close code; may block, so it is never called on the subscriber thread. */
    void close(int code, String reason);
}

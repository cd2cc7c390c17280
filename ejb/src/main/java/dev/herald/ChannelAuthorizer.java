package dev.herald;

/**
 * Decides which user may subscribe to, publish on, or read the presence of which channel: the application's SPI.
 *
 * <p>It also says which channels announce joins and leaves ({@link #announces}).
 *
 * <p>Provide one CDI bean that implements it, in any scope, in the deployment that holds Herald; Herald asks it on
 * each client {@code subscribe}, {@code publish} and {@code presence} frame, and never for subscriptions made on
 * the server. Without such a bean, clients may use exactly the channels whose names start with one of the
 * prefixes of {@code herald.channels.open} (none by default).
 *
 * <p>Called on the thread that handles the client's frame, with a channel name that is already valid: a slow
 * answer holds up that session only. An exception refuses, and is logged (one line per channel at most every
 * 10 s). Must be thread safe.
 */
@FunctionalInterface
public interface ChannelAuthorizer {

    /** What a client asks to do with a channel. */
    enum Action {
        /** Receive the channel's notices. */
        SUBSCRIBE,
        /** Send a notice to the channel's subscribers. */
        PUBLISH,
        /** Read who is subscribed. */
        PRESENCE
    }

    /** Whether {@code user} may do {@code action} on {@code channel}. */
    boolean allows(String user, String channel, Action action);

    /**
     * Whether the subscribers of {@code channel} are told when a user joins it (their first session) and leaves
     * it (their last), with {@code join} and {@code leave} frames; besides, the channels whose names start with a
     * prefix of {@code herald.channels.join-leave} are. Asked on every join and leave: keep it fast. By default
     * {@code false}.
     */
    default boolean announces(String channel) {
        return false;
    }
}

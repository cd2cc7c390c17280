package dev.herald;

/**
 * CDI event: a session opened on this node, once registered and before its client reads {@code welcome} (fired on
 * the node of the session, once; observe it with {@code @Observes} or {@code @ObservesAsync}). Observers run on a
 * managed executor, never on the connection's own thread or the subscriber's; one that throws is logged and
 * changes nothing.
 *
 * @param user the session's user
 * @param session the session's id
 * @param node the id of the node that holds it
 */
public record SessionOpened(String user, String session, String node) {
}

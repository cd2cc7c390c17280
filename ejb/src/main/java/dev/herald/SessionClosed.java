package dev.herald;

/**
 * CDI event: a session that was opened (see {@link SessionOpened}) closed, whichever side closed it; fired once,
 * on its node, off the connection's thread. A node that dies fires nothing for its sessions.
 *
 * @param user the session's user
 * @param session the session's id
 * @param node the id of the node that held it
 * @param closeCode the WebSocket close code (Herald's own, such as 4429, when the node closed it; 1006 when the
 *     connection ended without one)
 */
public record SessionClosed(String user, String session, String node, int closeCode) {
}

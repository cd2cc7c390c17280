package dev.herald.node;

/**
 * A new session refused because its user has {@code herald.session.max-per-user} sessions open already, on all
 * nodes together; the endpoint closes it with {@link Node#CLOSE_TOO_MANY_SESSIONS}. The count is read before the
 * session registers, so sessions that connect at the same moment may pass the limit by their number.
 */
public class SessionLimitException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SessionLimitException(String user, int limit) {
        super("user " + user + " has " + limit + " sessions open already (herald.session.max-per-user)", null, false,
                false);
    }
}

package dev.herald;

/**
 * {@link NoticeService} for code in another deployment on the same server, looked up by its portable name.
 *
 * <p>Offered by {@code herald.ear} on full-profile servers (WildFly, Payara Server) as
 * {@code java:global/herald/herald-remote/RemoteNoticeServiceBean!dev.herald.RemoteNoticeService}. Arguments
 * are plain strings so that the caller needs only a copy of this interface; {@code dataJson} is any JSON text
 * ({@code null} means JSON {@code null}). Same guarantees and exceptions as {@link NoticeService}; with
 * remote semantics they reach the caller as {@code jakarta.ejb.EJBException} causes on some servers.
 */
public interface RemoteNoticeService {

    /** Sends to every session of {@code user}; returns the notice id. */
    String sendJsonToUser(String user, String event, String dataJson);

    /** Sends to the one session {@code sessionId}; returns the notice id. */
    String sendJsonToSession(String sessionId, String event, String dataJson);

    /** Sends to every connected session; returns the notice id. */
    String sendJsonToAll(String event, String dataJson);
}

package dev.herald;

import jakarta.json.Json;
import jakarta.json.JsonValue;
import java.util.List;

/**
 * Sends notices to WebSocket sessions on every node of the cluster.
 *
 * <p>Inject it with {@code @Inject NoticeService notices} in any EJB or CDI bean of the deployment that holds
 * Herald. Every method stamps each notice with a unique id, returns once the engine has accepted it (with
 * Redis: one round trip) and never waits for clients. Delivery is at most once per session: a session that
 * is connected when the notice reaches its node gets it once; a user or session that is not connected
 * anywhere gets nothing, and that is not an error.
 *
 * <p>Transactions: called inside an active JTA transaction, {@link #send} and {@link #sendAll} (and the methods
 * built on them) stamp and check the notices at once and return their ids, but hand them to the engine only once
 * the transaction commits, and never if it rolls back (or is marked for rollback). A publish that fails after
 * the commit does not reach the caller: it is logged and retried for {@code herald.tx.retry-for} (30 s).
 * {@link #sendNow} sends at once, inside a transaction or not. Outside a transaction every method sends at once.
 *
 * <p>Thread safe. When the engine cannot be reached within {@code herald.redis.timeout} every method throws
 * {@link HeraldUnavailableException}; invalid arguments throw {@link InvalidNoticeException} before anything
 * is sent.
 */
public interface NoticeService {

    /**
     * Sends one notice.
     *
     * @return the id given to the notice
     */
    String send(Notice notice);

    /**
     * Sends one notice at once, even inside an active transaction, whatever becomes of it.
     *
     * @return the id given to the notice
     */
    String sendNow(Notice notice);

    /**
     * Sends every notice of the list, in order, in as few engine round trips as the engine allows. All are
     * validated first: if one is invalid, none is sent.
     *
     * @return the ids given to the notices, in the order of {@code notices}
     */
    List<String> sendAll(List<Notice> notices);

    /** Sends to every session of {@code user} on every node; returns the notice id. */
    default String sendToUser(String user, String event, JsonValue data) {
        return send(new Notice(Recipient.user(user), event, data));
    }

    /** Sends a text payload (a JSON string) to every session of {@code user}; returns the notice id. */
    default String sendToUser(String user, String event, String text) {
        return sendToUser(user, event, text == null ? JsonValue.NULL : Json.createValue(text));
    }

    /** Sends to the one session {@code sessionId}; returns the notice id. */
    default String sendToSession(String sessionId, String event, JsonValue data) {
        return send(new Notice(Recipient.session(sessionId), event, data));
    }

    /** Sends a text payload to the one session {@code sessionId}; returns the notice id. */
    default String sendToSession(String sessionId, String event, String text) {
        return sendToSession(sessionId, event, text == null ? JsonValue.NULL : Json.createValue(text));
    }

    /**
     * Subscribes every session of {@code user} connected now, on every node, to {@code channel}, without asking
     * the {@link ChannelAuthorizer}; each session gets {@code subscribed} once its node delivers the channel (or an
     * {@code error} with code {@code limit}). Sessions the user opens later are not subscribed. Returns once the
     * engine has the request (one round trip); a user with no session is not an error.
     *
     * @throws InvalidNoticeException for an empty user id or an invalid channel name
     */
    void subscribe(String user, String channel);

    /** Unsubscribes every session of {@code user} on every node from {@code channel}; each gets {@code unsubscribed}. */
    void unsubscribe(String user, String channel);

    /** Sends to every session subscribed to {@code channel}, on every node; returns the notice id. */
    default String sendToChannel(String channel, String event, JsonValue data) {
        return send(new Notice(Recipient.channel(channel), event, data));
    }

    /** Sends a text payload to every session subscribed to {@code channel}; returns the notice id. */
    default String sendToChannel(String channel, String event, String text) {
        return sendToChannel(channel, event, text == null ? JsonValue.NULL : Json.createValue(text));
    }

    /** Sends to every session connected to any node; returns the notice id. */
    default String sendToAll(String event, JsonValue data) {
        return send(new Notice(Recipient.all(), event, data));
    }

    /** Sends a text payload to every session connected to any node; returns the notice id. */
    default String sendToAll(String event, String text) {
        return sendToAll(event, text == null ? JsonValue.NULL : Json.createValue(text));
    }
}

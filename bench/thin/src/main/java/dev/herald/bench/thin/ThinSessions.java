package dev.herald.bench.thin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The reference's whole state: sessions by user and by room. Sends go straight to the container's async remote with no
 * queue of our own; where the container refuses a second send in flight (IllegalStateException, which the
 * WebSocket API allows), that frame goes through the basic remote under the session's lock instead.
 */
@ApplicationScoped
public class ThinSessions {

    private final Map<String, Set<Session>> byUser = new ConcurrentHashMap<>();
    private final Map<String, Set<Session>> byRoom = new ConcurrentHashMap<>();
    private final Set<Session> all = ConcurrentHashMap.newKeySet();

    void add(String user, List<String> rooms, Session session) {
        byUser.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet()).add(session);
        rooms.forEach(room -> byRoom.computeIfAbsent(room, r -> ConcurrentHashMap.newKeySet()).add(session));
        all.add(session);
    }

    void remove(String user, List<String> rooms, Session session) {
        all.remove(session);
        rooms.forEach(room -> {
            Set<Session> members = byRoom.get(room);
            if (members != null) {
                members.remove(session);
            }
        });
        Set<Session> sessions = byUser.get(user);
        if (sessions != null) {
            sessions.remove(session);
        }
    }

    void toUser(String user, String frame) {
        Set<Session> sessions = byUser.get(user);
        if (sessions != null) {
            sessions.forEach(s -> send(s, frame));
        }
    }

    void toRoom(String room, String frame) {
        Set<Session> members = byRoom.get(room);
        if (members != null) {
            members.forEach(s -> send(s, frame));
        }
    }

    void toAll(String frame) {
        all.forEach(s -> send(s, frame));
    }

    int size() {
        return all.size();
    }

    private static final SendHandler IGNORE = result -> { };

    private static void send(Session session, String frame) {
        try {
            session.getAsyncRemote().sendText(frame, IGNORE);
        } catch (IllegalStateException busy) {
            synchronized (session) {
                try {
                    session.getBasicRemote().sendText(frame);
                } catch (IOException | IllegalStateException e) {
                    // The benchmark counts what arrives; a failed send shows up as a loss.
                }
            }
        }
    }
}

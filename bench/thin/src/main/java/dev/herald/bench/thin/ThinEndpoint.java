package dev.herald.bench.thin;

import jakarta.inject.Inject;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.util.List;

/** {@code /thin/ws?user=NAME}: no authentication, no frames in; just membership. */
@ServerEndpoint("/ws")
public class ThinEndpoint {

    @Inject
    ThinSessions sessions;

    private String user;

    @OnOpen
    public void open(Session session) {
        List<String> u = session.getRequestParameterMap().get("user");
        user = u == null || u.isEmpty() ? "anonymous" : u.get(0);
        sessions.add(user, session);
    }

    @OnClose
    public void close(Session session) {
        sessions.remove(user, session);
    }
}

package dev.herald.bench.thin;

import jakarta.inject.Inject;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.util.List;

/** {@code /thin/ws?user=NAME[&rooms=A,B]}: no authentication, no frames in; just membership. */
@ServerEndpoint("/ws")
public class ThinEndpoint {

    @Inject
    ThinSessions sessions;

    private String user;
    private List<String> rooms = List.of();

    @OnOpen
    public void open(Session session) {
        List<String> u = session.getRequestParameterMap().get("user");
        user = u == null || u.isEmpty() ? "anonymous" : u.get(0);
        List<String> r = session.getRequestParameterMap().get("rooms");
        if (r != null && !r.isEmpty() && !r.get(0).isEmpty()) {
            rooms = List.of(r.get(0).split(","));
        }
        sessions.add(user, rooms, session);
    }

    @OnClose
    public void close(Session session) {
        sessions.remove(user, rooms, session);
    }
}

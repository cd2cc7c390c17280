package dev.herald.bench.thin;

import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonValue;
import jakarta.json.JsonWriterFactory;
import jakarta.json.spi.JsonProvider;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code POST /thin/publish}: a JSON array of {@code {"to":{"user":..}|{"room":..}|{"all":true},"event":..,"data":..}} in
 * Herald's REST shape; each becomes a notice frame sent directly to the matching sessions.
 * {@code GET /thin/publish} answers the number of sessions.
 */
@WebServlet("/publish")
public class ThinPublishServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Inject
    ThinSessions sessions;

    private final AtomicLong ids = new AtomicLong();
    private transient JsonProvider json;
    private transient JsonReaderFactory readers;
    private transient JsonWriterFactory writers;

    @Override
    public void init() {
        json = JsonProvider.provider();
        readers = json.createReaderFactory(Map.of());
        writers = json.createWriterFactory(Map.of());
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.getWriter().write(String.valueOf(sessions.size()));
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        JsonArray batch;
        try (JsonReader reader = readers.createReader(req.getInputStream())) {
            batch = reader.readArray();
        }
        for (JsonValue item : batch) {
            JsonObject notice = item.asJsonObject();
            JsonObject to = notice.getJsonObject("to");
            JsonObject frame = json.createObjectBuilder()
                    .add("type", "notice")
                    .add("id", Long.toString(ids.incrementAndGet(), 36))
                    .add("event", notice.getString("event"))
                    .add("data", notice.getOrDefault("data", JsonValue.NULL))
                    .build();
            StringWriter out = new StringWriter();
            writers.createWriter(out).write(frame);
            if (to.containsKey("user")) {
                sessions.toUser(to.getString("user"), out.toString());
            } else if (to.containsKey("room")) {
                sessions.toRoom(to.getString("room"), out.toString());
            } else {
                sessions.toAll(out.toString());
            }
        }
        resp.setStatus(202);
    }
}

package dev.herald.web.it;

import static org.awaitility.Awaitility.await;

import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client that keeps its places in its streams as herald.js does: each connection authenticates with its user's
 * position ({@code since}) and subscribes its channels with theirs; a kept notice already handed on (by offset)
 * is dropped, the rest handed on in arrival order. Its state is worked out from the frames of all its
 * connections, so a test reads what an application on herald.js would have been given.
 */
final class ResumingClient implements AutoCloseable {

    private final String token;
    private final List<String> channels;
    private final List<WsClient> connections = new CopyOnWriteArrayList<>();

    ResumingClient(String token, String... channels) {
        this.token = token;
        this.channels = List.of(channels);
    }

    /** What the frames so far give: positions, the notices handed on per stream ("user" or a channel), the answers. */
    record State(Map<String, String[]> positions, Map<String, List<JsonObject>> handedOn, List<JsonObject> answers) {

        List<String> events(String stream) {
            return handedOn.getOrDefault(stream, List.of()).stream().map(n -> n.getString("event")).toList();
        }

        /** The welcome and subscribed frames of every connection, in order. */
        List<JsonObject> answers(String type) {
            return answers.stream().filter(f -> type.equals(f.getString("type"))).toList();
        }
    }

    State state() {
        Map<String, String[]> positions = new HashMap<>();
        Map<String, List<JsonObject>> handedOn = new LinkedHashMap<>();
        List<JsonObject> answers = new ArrayList<>();
        for (WsClient c : connections) {
            for (JsonObject f : c.frames()) {
                String type = f.getString("type", "");
                String stream = f.containsKey("channel") ? f.getString("channel") : "user";
                if (type.equals("welcome") || type.equals("subscribed")) {
                    answers.add(f);
                    String[] held = positions.get(stream);
                    boolean resumed = f.getBoolean("recovered", false) && held != null
                            && held[0].equals(f.getString("epoch"));
                    if (!resumed) {
                        positions.put(stream, new String[] {f.getString("epoch"), String.valueOf(f.getInt("offset"))});
                    }
                } else if (type.equals("notice")) {
                    String[] held = positions.get(stream);
                    long offset = f.getJsonNumber("offset").longValue();
                    if (held != null && held[0].equals(f.getString("epoch")) && offset <= Long.parseLong(held[1])) {
                        continue;
                    }
                    positions.put(stream, new String[] {f.getString("epoch"), String.valueOf(offset)});
                    handedOn.computeIfAbsent(stream, k -> new ArrayList<>()).add(f);
                }
            }
        }
        return new State(positions, handedOn, answers);
    }

    private static String since(String[] position) {
        return position == null ? "" : ",\"since\":{\"epoch\":\"" + position[0] + "\",\"offset\":" + position[1] + "}";
    }

    /** Connects to {@code node} resuming from the positions held, and subscribes every channel, resuming too. */
    ResumingClient connect(ServerNode node) {
        State state = state();
        WsClient c = WsClient.connect(node.ws());
        connections.add(c);
        c.send("{\"type\":\"auth\",\"token\":\"" + token + "\"" + since(state.positions().get("user")) + "}");
        c.awaitSessionId();
        for (String channel : channels) {
            c.send("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"" + since(state.positions().get(channel)) + "}");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> c.ofType("subscribed").size() == channels.size());
        return this;
    }

    /** The connection in use now. */
    WsClient current() {
        return connections.get(connections.size() - 1);
    }

    @Override
    public void close() {
        connections.forEach(WsClient::close);
    }
}

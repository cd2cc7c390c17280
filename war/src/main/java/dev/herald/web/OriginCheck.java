package dev.herald.web;

import dev.herald.node.HeraldConfig;
import dev.herald.node.HeraldNode;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.net.URI;
import java.util.List;
import java.util.Set;

/**
 * Decides at the handshake whether the request's {@code Origin} may connect, and records the decision in the
 * connection's user properties (a per-connection copy since WebSocket 2.1) for the endpoint to act on.
 *
 * <p>With {@code herald.ws.allowed-origins} empty, requests without an Origin (non-browser clients) and
 * same-origin requests (Origin host and port equal to the Host header) are allowed; {@code *} allows any;
 * otherwise the Origin must be one of the list, compared exactly.
 */
public class OriginCheck extends ServerEndpointConfig.Configurator {

    /** User property set to the refused Origin when the origin is not allowed. */
    static final String REFUSED_ORIGIN = "herald.refusedOrigin";

    private volatile HeraldConfig config;

    @Override
    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
        String origin = first(request, "Origin");
        if (!allowed(config().allowedOrigins(), origin, first(request, "Host"))) {
            sec.getUserProperties().put(REFUSED_ORIGIN, origin);
        }
    }

    /** Configurators are not CDI beans: look the node up once, on the first handshake. */
    private HeraldConfig config() {
        HeraldConfig c = config;
        if (c == null) {
            c = CDI.current().select(HeraldNode.class).get().node().config();
            config = c;
        }
        return c;
    }

    static boolean allowed(Set<String> allowedOrigins, String origin, String host) {
        if (origin == null || allowedOrigins.contains("*") || allowedOrigins.contains(origin)) {
            return true;
        }
        if (!allowedOrigins.isEmpty() || host == null) {
            return false;
        }
        try {
            URI uri = URI.create(origin);
            if (uri.getHost() == null) {
                return false;
            }
            String authority = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            return authority.equalsIgnoreCase(host) || (uri.getPort() < 0 && defaultPortOf(host, uri.getScheme())
                    .equalsIgnoreCase(uri.getHost()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The host part of {@code host} when its port is the scheme's default, else something that never matches. */
    private static String defaultPortOf(String host, String scheme) {
        String port = "https".equals(scheme) ? ":443" : ":80";
        return host.endsWith(port) ? host.substring(0, host.length() - port.length()) : "\0";
    }

    private static String first(HandshakeRequest request, String header) {
        for (var e : request.getHeaders().entrySet()) {
            if (e.getKey().equalsIgnoreCase(header)) {
                List<String> values = e.getValue();
                return values == null || values.isEmpty() ? null : values.get(0);
            }
        }
        return null;
    }
}

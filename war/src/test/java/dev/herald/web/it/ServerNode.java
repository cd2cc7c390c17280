package dev.herald.web.it;

import java.net.URI;
import java.util.Map;

/**
 * One real application server process running {@code herald.war} on a free loopback port, started and killed by
 * a test: Payara Micro under the payara profile, WildFly under the wildfly profile (system property
 * {@code it.server}).
 */
public interface ServerNode extends AutoCloseable {

    /** Starts a node of the profile's server; call {@link #awaitUp()} before using it. */
    static ServerNode start(String name, Map<String, String> properties) {
        String server = System.getProperty("it.server", "payara");
        return switch (server) {
            case "payara" -> PayaraMicroNode.start(name, properties);
            case "wildfly" -> WildFlyNode.start(name, properties);
            default -> throw new IllegalStateException("it.server must be payara or wildfly, not " + server);
        };
    }

    /** Whether the nodes of this run are Payara Micro (Tyrus over Grizzly). */
    static boolean payara() {
        return "payara".equals(System.getProperty("it.server", "payara"));
    }

    /** Waits until {@code /herald/api/health} answers 200; fails with the log's name otherwise. */
    ServerNode awaitUp();

    URI uri(String path);

    /** {@code ws://.../herald/ws}. */
    default URI ws() {
        return URI.create(uri("/herald/ws").toString().replaceFirst("^http", "ws"));
    }

    /** What the node has logged so far. */
    String log();

    /** Kills the process (and its children) with SIGKILL, as a crash would: no shutdown hook, no clean-up. */
    void kill9();

    @Override
    void close();
}

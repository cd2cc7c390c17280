package dev.herald.web.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.testing.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * herald.war, unchanged, on Open Liberty (the all-features runtime from Maven Central, unpacked by the wildfly
 * profile): a server with the Jakarta EE 10 Web Profile, Herald's configuration in its bootstrap.properties; ten
 * clients connect and stay connected, and a user notice and a broadcast sent through the REST API on Redis reach
 * them.
 */
class OpenLibertyIT {

    private static final String KEY = "liberty-test-api-key-0123456789";
    private static final String SECRET = "liberty-test-secret-liberty-test-0123456";

    private final Path home = Path.of(ProcessNode.required("openliberty.home"));
    private final Path war = Path.of(ProcessNode.required("herald.war"));
    private final Path user = war.getParent().resolve("liberty-usr");
    private final Path server = user.resolve("servers/herald");

    @Test
    void theWarUnchangedKeepsItsClientsAndDeliversAUserNoticeAndABroadcastOnRedis() throws Exception {
        int port = RedisServer.freePort();
        URI http = URI.create("http://127.0.0.1:" + port);
        try (RedisServer redis = RedisServer.start()) {
            ProcessNode.deleteTree(user);
            Files.createDirectories(server.resolve("apps"));
            Files.copy(war, server.resolve("apps/herald.war"));
            Files.writeString(server.resolve("server.xml"), """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <server description="Herald on Open Liberty">
                        <featureManager>
                            <feature>webProfile-10.0</feature>
                        </featureManager>
                        <httpEndpoint id="defaultHttpEndpoint" host="127.0.0.1" httpPort="${herald.http.port}"
                                      httpsPort="-1"/>
                        <webApplication id="herald" name="herald" location="herald.war" contextRoot="/herald"/>
                    </server>
                    """);
            Files.writeString(server.resolve("bootstrap.properties"), String.join("\n",
                    "herald.http.port=" + port,
                    "herald.redis.url=redis://127.0.0.1:" + redis.port(),
                    "herald.jwt.secret=" + SECRET,
                    "herald.api.key=" + KEY, ""));
            try {
                server(180, "start", "herald");
                try {
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                            .until(() -> Http.get(http.resolve("/herald/api/health")).statusCode() == 200);
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("no health at " + http + " within 60 s; messages.log ends:\n" + logTail(),
                            e);
                }
                assertTrue(Http.get(http.resolve("/herald/api/health")).body().contains("\"engine\":\"redis\""),
                        "herald.redis.url applied");

                URI ws = URI.create("ws://127.0.0.1:" + port + "/herald/ws");
                List<WsClient> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < 10; i++) {
                        WsClient c = WsClient.connectWithAuthFrame(ws, Tokens.sign(SECRET, i == 0 ? "alice" : "u" + i));
                        clients.add(c);
                        c.awaitSessionId();
                    }
                    assertEquals(202, Http.post(http.resolve("/herald/api/notices"), KEY,
                            "{\"to\":{\"user\":\"alice\"},\"event\":\"to-alice\",\"data\":1}").statusCode());
                    assertEquals(202, Http.post(http.resolve("/herald/api/notices"), KEY,
                            "{\"to\":{\"all\":true},\"event\":\"to-all\",\"data\":2}").statusCode());
                    clients.forEach(c -> c.awaitEvent("to-all"));
                    assertEquals(List.of("to-alice", "to-all"), clients.get(0).events());
                    for (WsClient c : clients.subList(1, clients.size())) {
                        assertEquals(List.of("to-all"), c.events(), "a user notice reaches only its user");
                    }
                    // Each client's first ping went out while its welcome was being sent, which Liberty refuses
                    // (a ping then waits for the send): none was closed for it, and each was pinged.
                    for (WsClient c : clients) {
                        assertTrue(!c.isClosed(), "still connected, not closed: " + c.closeReason());
                        await().atMost(Duration.ofSeconds(5)).until(() -> c.pings() > 0);
                    }
                } finally {
                    clients.forEach(WsClient::close);
                }
            } finally {
                try {
                    server(120, "stop", "herald");
                } catch (IllegalStateException e) {
                    System.out.println("server stop: " + e.getMessage());
                }
            }
        }
    }

    /** Runs Liberty's {@code bin/server} with {@code args}, the servers under {@link #user}, on this JVM's Java. */
    private String server(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", home.resolve("bin/server").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("WLP_USER_DIR", user.toAbsolutePath().toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("server " + args[0] + " did not finish in " + timeoutSeconds + " s:\n"
                    + out);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("server " + String.join(" ", args) + " failed (" + p.exitValue() + "):\n"
                    + out + "\n" + logTail());
        }
        return out;
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(server.resolve("logs/messages.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return "(no messages.log: " + e + ")";
        }
    }
}

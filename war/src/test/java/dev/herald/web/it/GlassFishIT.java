package dev.herald.web.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.testing.RedisServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * herald.war, unchanged, on GlassFish 7 (the full distribution from Maven Central, unpacked by the payara profile):
 * a domain that the test creates, Herald's configuration as system properties, the WAR deployed with asadmin; a
 * client connects, and a user notice and a broadcast sent through the REST API on Redis reach it.
 */
class GlassFishIT {

    private static final String DOMAIN = "herald-glassfish";
    private static final String KEY = "glassfish-test-api-key-0123456789";
    private static final String SECRET = "glassfish-test-secret-glassfish-0123456";

    private final Path home = Path.of(ProcessNode.required("glassfish.home"));
    private final Path war = Path.of(ProcessNode.required("herald.war"));
    private final Path domains = war.getParent().resolve("glassfish-domains");

    @Test
    void theWarUnchangedConnectsAndDeliversAUserNoticeAndABroadcastOnRedis() throws Exception {
        int base = PayaraDeploymentGroup.freeBase();
        String admin = String.valueOf(base + 48);
        URI http = URI.create("http://127.0.0.1:" + (base + 80));
        try (RedisServer redis = RedisServer.start()) {
            ProcessNode.deleteTree(domains);
            PayaraDeploymentGroup.asadmin(home, 120, "create-domain", "--nopassword", "--portbase", String.valueOf(base),
                    "--domaindir", domains.toString(), DOMAIN);
            try {
                PayaraDeploymentGroup.asadmin(home, 180, "start-domain", "--domaindir", domains.toString(), DOMAIN);
                PayaraDeploymentGroup.asadmin(home, 60, "--port", admin, "create-system-properties",
                        "herald.redis.url=redis\\://127.0.0.1\\:" + redis.port() + ":herald.jwt.secret=" + SECRET
                                + ":herald.api.key=" + KEY);
                PayaraDeploymentGroup.asadmin(home, 300, "--port", admin, "deploy", "--name", "herald", "--contextroot",
                        "herald", war.toAbsolutePath().toString());
                try {
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                            .until(() -> Http.get(http.resolve("/herald/api/health")).statusCode() == 200);
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("no health at " + http + " within 60 s; server.log ends:\n" + logTail(), e);
                }
                assertTrue(Http.get(http.resolve("/herald/api/health")).body().contains("\"engine\":\"redis\""),
                        "herald.redis.url applied");

                URI ws = URI.create("ws://127.0.0.1:" + (base + 80) + "/herald/ws");
                try (WsClient alice = WsClient.connectWithAuthFrame(ws, Tokens.sign(SECRET, "alice"));
                        WsClient bob = WsClient.connectWithAuthFrame(ws, Tokens.sign(SECRET, "bob"))) {
                    alice.awaitSessionId();
                    bob.awaitSessionId();
                    assertEquals(202, Http.post(http.resolve("/herald/api/notices"), KEY,
                            "{\"to\":{\"user\":\"alice\"},\"event\":\"to-alice\",\"data\":1}").statusCode());
                    assertEquals(202, Http.post(http.resolve("/herald/api/notices"), KEY,
                            "{\"to\":{\"all\":true},\"event\":\"to-all\",\"data\":2}").statusCode());
                    alice.awaitEvent("to-all");
                    bob.awaitEvent("to-all");
                    assertEquals(List.of("to-alice", "to-all"), alice.events());
                    assertEquals(List.of("to-all"), bob.events(), "a user notice reaches only its user");
                }
            } finally {
                try {
                    PayaraDeploymentGroup.asadmin(home, 120, "stop-domain", "--kill=true", "--domaindir", domains.toString(),
                            DOMAIN);
                } catch (IllegalStateException e) {
                    System.out.println("stop-domain: " + e.getMessage());
                }
            }
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(domains.resolve(DOMAIN + "/logs/server.log"),
                    StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}

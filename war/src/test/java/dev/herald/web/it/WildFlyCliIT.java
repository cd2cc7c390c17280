package dev.herald.web.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.testing.RedisServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code server-config/wildfly/herald.cli}, as shipped but for its values, run by jboss-cli against a WildFly that
 * has nothing of Herald's: it must configure the server and deploy Herald so that it runs on Redis with the key
 * it set, so that the script cannot rot. Runs under the wildfly profile.
 */
class WildFlyCliIT {

    private static final Path SHIPPED = Path.of("../server-config/wildfly/herald.cli");
    private static final String KEY = "cli-test-api-key-0123456789";

    @Test
    void theShippedDomainScriptMakesAServerGroupOfTwoServersThatShareItsConfigurationAndCrossNotices()
            throws Exception {
        Path shippedDomain = Path.of("../server-config/wildfly/herald-domain.cli");
        int offset = WildFlyNode.freeServerOffset();
        try (RedisServer redis = RedisServer.start(); WildFlyNode domain = WildFlyNode.startDomain("wildfly-domain")) {
            domain.awaitManagement();
            String script = Files.readString(shippedDomain, StandardCharsets.UTF_8)
                    .replace("redis://redis.internal:6379", redis.url())
                    .replace("CHANGE-ME-at-least-32-bytes-of-random-secret", "cli-test-secret-cli-test-secret-0123")
                    .replace("CHANGE-ME-long-random-api-key", KEY)
                    .replace("socket-binding-port-offset=0,", "socket-binding-port-offset=" + offset + ",")
                    .replace("socket-binding-port-offset=100,", "socket-binding-port-offset=" + (offset + 100) + ",")
                    .replace("deploy ../../ear/target/herald.ear",
                            "deploy " + Path.of(System.getProperty("herald.war")).toAbsolutePath());
            for (String placeholder : new String[] {"redis.internal", "CHANGE-ME", "offset=0,", "offset=100,",
                    "../../ear/target/herald.ear"}) {
                assertTrue(!script.contains(placeholder), "herald-domain.cli changed: the test no longer replaces "
                        + placeholder);
            }
            Path edited = Files.createTempFile("herald-domain", ".cli");
            Files.writeString(edited, script);
            domain.cli(edited);
            java.net.URI one = java.net.URI.create("http://127.0.0.1:" + (8080 + offset));
            java.net.URI two = java.net.URI.create("http://127.0.0.1:" + (8180 + offset));
            for (java.net.URI server : new java.net.URI[] {one, two}) {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                        .until(() -> Http.get(server.resolve("/herald/api/health")).statusCode() == 200);
                assertTrue(Http.get(server.resolve("/herald/api/health")).body().contains("\"engine\":\"redis\""));
            }
            // A notice sent through server one reaches a client of server two: both use the group's Redis.
            WsClient client = WsClient.connectWithAuthFrame(java.net.URI.create("ws://127.0.0.1:" + (8180 + offset)
                    + "/herald/ws"), new dev.herald.web.TokenVerifier("cli-test-secret-cli-test-secret-0123")
                    .sign("dora", Duration.ofMinutes(5)));
            client.awaitSessionId();
            assertEquals(202, Http.post(one.resolve("/herald/api/notices"), KEY,
                    "{\"to\":{\"user\":\"dora\"},\"event\":\"across-the-group\",\"data\":1}").statusCode());
            client.awaitEvent("across-the-group");
            client.close();
        }
    }

    @Test
    void theShippedCliScriptConfiguresAnEmptyWildFlyAndDeploysHeraldOnRedis() throws Exception {
        try (RedisServer redis = RedisServer.start(); WildFlyNode server = WildFlyNode.startEmpty("wildfly-cli")) {
            server.awaitManagement();
            String shipped = Files.readString(SHIPPED, StandardCharsets.UTF_8);
            String script = shipped
                    .replace("redis://redis.internal:6379", redis.url())
                    .replace("CHANGE-ME-at-least-32-bytes-of-random-secret", "cli-test-secret-cli-test-secret-0123")
                    .replace("CHANGE-ME-long-random-api-key", KEY)
                    .replace("deploy ../../ear/target/herald.ear --force",
                            "deploy " + Path.of(System.getProperty("herald.war")).toAbsolutePath() + " --force");
            for (String placeholder : new String[] {"redis.internal", "CHANGE-ME", "../../ear/target/herald.ear"}) {
                assertTrue(!script.contains(placeholder), "herald.cli changed: the test no longer replaces "
                        + placeholder);
            }
            Path edited = Files.createTempFile("herald", ".cli");
            Files.writeString(edited, script);
            String said = server.cli(edited);
            server.awaitUp();
            HttpResponse<String> health = Http.get(server.uri("/herald/api/health"));
            assertTrue(health.body().contains("\"engine\":\"redis\""), "herald.redis.url applied: " + health.body());
            assertEquals(202, Http.post(server.uri("/herald/api/notices"), KEY,
                    "{\"to\":{\"user\":\"alice\"},\"event\":\"e\",\"data\":1}").statusCode(), "herald.api.key applied");
            assertEquals(401, Http.post(server.uri("/herald/api/notices"), "another-key-entirely-xx",
                    "{\"to\":{\"user\":\"alice\"},\"event\":\"e\",\"data\":1}").statusCode());
            WsClient client = WsClient.connectWithAuthFrame(server.ws(), new dev.herald.web.TokenVerifier(
                    "cli-test-secret-cli-test-secret-0123").sign("alice", Duration.ofMinutes(5)));
            client.awaitSessionId();
            client.close();
            assertTrue(!said.contains("Failed"), said);
        }
    }
}

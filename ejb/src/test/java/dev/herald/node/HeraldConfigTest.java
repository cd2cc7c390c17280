package dev.herald.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeraldConfigTest {

    @Test
    void defaultsMeanTheInMemoryEngineWithApiAndTokensOff() {
        HeraldConfig c = HeraldConfig.from(key -> null);
        assertFalse(c.usesRedis());
        assertEquals("herald:", c.redisPrefix());
        assertEquals("", c.apiKey());
        assertEquals("", c.jwtSecret());
        assertEquals(1024, c.sessionQueueLimit());
        assertEquals(Set.of(), c.allowedOrigins());
        assertEquals(10_000, c.authTimeoutMillis());
    }

    @Test
    void readsGivenValues() {
        Map<String, String> s = Map.of("herald.redis.url", "redis://127.0.0.1:7000",
                "herald.session.queue-limit", "5", "herald.ws.allowed-origins", "https://a.example, https://b.example");
        HeraldConfig c = HeraldConfig.from(s::get);
        assertTrue(c.usesRedis());
        assertEquals(5, c.sessionQueueLimit());
        assertEquals(Set.of("https://a.example", "https://b.example"), c.allowedOrigins());
    }

    @Test
    void namesTheEnvironmentVariableOfEachKey() {
        assertEquals("HERALD_REDIS_URL", HeraldConfig.envName("herald.redis.url"));
        assertEquals("HERALD_SESSION_QUEUE_LIMIT", HeraldConfig.envName("herald.session.queue-limit"));
    }

    @Test
    void rejectsBadValuesWithAMessageNamingTheKey() {
        assertRejected("herald.redis.url", "http://localhost:6379");
        assertRejected("herald.redis.url", "redis://");
        assertRejected("herald.session.queue-limit", "lots");
        assertRejected("herald.session.queue-limit", "0");
        assertRejected("herald.jwt.secret", "too-short");
        assertRejected("herald.api.key", "short");
        assertRejected("herald.node.name", "has.dot");
        assertRejected("herald.node.ttl", "1000"); // less than twice the default heartbeat (2000)
        assertRejected("herald.ws.ping-interval", "60000"); // not shorter than the idle timeout
        assertRejected("herald.ws.auth-timeout", "50");
    }

    @Test
    void acceptsASentinelUrlAndRefusesOneWithoutAMasterOrWithABadSentinel() {
        HeraldConfig c = HeraldConfig.from(Map.of("herald.redis.url",
                "redis-sentinel://app:secret@10.0.0.1:26379,10.0.0.2:26380/mymaster?sentinel-password=s3")::get);
        assertTrue(c.usesRedis());
        assertFalse(c.describe().contains("secret") || c.describe().contains("s3"), c.describe());
        assertRejected("herald.redis.url", "redis-sentinel://10.0.0.1:26379");
        assertRejected("herald.redis.url", "redis-sentinel://10.0.0.1:26379/");
        assertRejected("herald.redis.url", "redis-sentinel://10.0.0.1:port/m");
        assertRejected("herald.redis.url", "redis-sentinel://10.0.0.1:26379,/m");
        assertRejected("herald.redis.url", "redis-sentinel://10.0.0.1:26379/m?tls=yes");
    }

    @Test
    void acceptsTlsUrlsOfEveryKindAndRefusesBadTlsParameters(@TempDir Path dir)
            throws Exception {
        Path store = Files.writeString(dir.resolve("trust.p12"), "x");
        String trust = "truststore=" + store + "&truststore-password=tp4ss";
        for (String url : List.of("rediss://127.0.0.1:6380?" + trust + "&verify=ca",
                "rediss-sentinel://:secret@10.0.0.1:26379/mymaster?sentinel-password=s3&" + trust,
                "rediss-cluster://app:secret@10.0.0.1:7000,10.0.0.2:7000?partitions=8&" + trust
                        + "&keystore=" + store + "&keystore-password=kp4ss")) {
            HeraldConfig c = HeraldConfig.from(Map.of("herald.redis.url", url)::get);
            assertTrue(c.usesRedis());
            for (String secret : List.of("secret", "s3", "tp4ss", "kp4ss")) {
                assertFalse(c.describe().contains(secret), c.describe());
            }
        }
        assertRejected("herald.redis.url", "rediss://127.0.0.1:6380?verify=none");
        assertRejected("herald.redis.url", "rediss://127.0.0.1:6380?truststore=" + dir.resolve("missing.p12"));
        assertRejected("herald.redis.url", "rediss-cluster://127.0.0.1:7000?trust=x");
        assertRejected("herald.redis.url", "redis://127.0.0.1:6379?truststore=" + store); // TLS parameters, no TLS
        assertRejected("herald.redis.url", "redis-cluster://127.0.0.1:7000?verify=ca");
    }

    @Test
    void hidesTheRedisPasswordInItsDescription() {
        HeraldConfig c = HeraldConfig.from(Map.of("herald.redis.url", "redis://user:secret@127.0.0.1:6379")::get);
        assertFalse(c.describe().contains("secret"));
    }

    private static void assertRejected(String key, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeraldConfig.from(Map.of(key, value)::get));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}

package dev.herald.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.HeraldUnavailableException;
import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.engine.History;
import dev.herald.testing.FakeTransport;
import dev.herald.testing.RedisServer;
import dev.herald.testing.TlsFiles;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nodes on a Redis reached over TLS only ({@code rediss://}): its TLS port holds a certificate of a test authority
 * for 127.0.0.1 and not for localhost; the plain port is the test's own.
 */
class RedisTlsIT {

    private static final TlsFiles TLS = TlsFiles.create("IP:127.0.0.1");

    private final int tlsPort = RedisServer.freePort();
    private final RedisServer redis = RedisServer.startWith(TLS.redisArguments(tlsPort).toArray(String[]::new));
    private final RedisTestNodes nodes = new RedisTestNodes("rediss://127.0.0.1:" + tlsPort + "?" + TLS.urlParameters());

    @AfterEach
    void stop() {
        nodes.close();
        redis.close();
    }

    private Node node(String name, String url) {
        return nodes.start(name, url);
    }

    @Test
    void nodesThatTrustTheServersAuthoritySendReceiveAndResumeOverTls() throws Exception {
        String url = "rediss://127.0.0.1:" + tlsPort + "?" + TLS.urlParameters();
        Node a = node("a", url);
        Node b = node("b", url);
        assertTrue(a.awaitSubscribed(10, SECONDS) && b.awaitSubscribed(10, SECONDS), "subscribed over TLS");
        FakeTransport alice = new FakeTransport();
        b.connect("alice", alice);
        a.send(new Notice(Recipient.user("alice"), "one", null));
        a.send(new Notice(Recipient.all(), "two", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() == 2);
        FakeTransport back = new FakeTransport();
        a.connect("alice", back, new History.Position(alice.frames().get(0).getString("epoch"), 0));
        await().atMost(Duration.ofSeconds(5)).until(() -> back.notices().size() == 1);
        assertEquals("one", back.notices().get(0).getString("event"), "replayed from the history");
    }

    @Test
    void aServerWhoseCertificateIsNotTrustedOrNamesAnotherHostIsRefused() throws Exception {
        // Not trusted: the JVM's own trust store does not hold the test authority.
        Node untrusted = node("u", "rediss://127.0.0.1:" + tlsPort);
        HeraldUnavailableException e = assertThrows(HeraldUnavailableException.class,
                () -> untrusted.send(new Notice(Recipient.user("alice"), "x", null)));
        assertTrue(e.getMessage().contains("PKIX path building failed"), e.getMessage());
        assertFalse(untrusted.awaitSubscribed(1, SECONDS));
        // Trusted, but the certificate is for 127.0.0.1: connecting as localhost is refused unless verify=ca.
        Node otherHost = node("h", "rediss://localhost:" + tlsPort + "?" + TLS.urlParameters());
        HeraldUnavailableException wrongName = assertThrows(HeraldUnavailableException.class,
                () -> otherHost.send(new Notice(Recipient.user("alice"), "x", null)));
        assertTrue(wrongName.getMessage().contains("No name matching localhost"), wrongName.getMessage());
        Node caOnly = node("c", "rediss://localhost:" + tlsPort + "?" + TLS.urlParameters() + "&verify=ca");
        caOnly.send(new Notice(Recipient.user("alice"), "x", null));
    }

    @Test
    void aServerThatAsksForAClientCertificateTakesTheKeystoresAndRefusesANodeWithout() throws Exception {
        int mutualPort = RedisServer.freePort();
        try (RedisServer mutual = RedisServer.startWith(
                TLS.redisArgumentsRequiringClientCertificates(mutualPort).toArray(String[]::new))) {
            Node without = node("w", "rediss://127.0.0.1:" + mutualPort + "?" + TLS.urlParameters());
            assertThrows(HeraldUnavailableException.class,
                    () -> without.send(new Notice(Recipient.user("alice"), "x", null)));
            assertFalse(without.awaitSubscribed(1, SECONDS), "no subscription without a client certificate");
            String url = "rediss://127.0.0.1:" + mutualPort + "?" + TLS.urlParametersWithClientCertificate();
            Node a = node("a", url);
            Node b = node("b", url);
            assertTrue(a.awaitSubscribed(10, SECONDS) && b.awaitSubscribed(10, SECONDS),
                    "subscribed with the client certificate");
            FakeTransport alice = new FakeTransport();
            b.connect("alice", alice);
            a.send(new Notice(Recipient.user("alice"), "one", null));
            await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() == 1);
        }
    }
}

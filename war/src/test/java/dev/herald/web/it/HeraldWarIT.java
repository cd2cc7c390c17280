package dev.herald.web.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.herald.web.TokenVerifier;
import dev.herald.web.it.probe.ProbeBean;
import dev.herald.web.it.probe.ProbeAuthorizer;
import dev.herald.web.it.probe.ProbeObserver;
import dev.herald.web.it.probe.ProbeServlet;
import java.io.File;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletionException;
import static org.awaitility.Awaitility.await;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The built herald.war deployed on a real server (Payara Micro or WildFly, by Maven profile), driven over
 * HTTP and WebSocket as clients would, careless and hostile ones included. The server runs with
 * herald.ws.max-frame=4096 and herald.session.queue-limit=64 (and herald.ws.frame-buffer, Tyrus's buffer on
 * Payara, at its default of 262158 bytes).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class HeraldWarIT {

    static final String SECRET = System.getProperty("it.jwt.secret");
    static final String KEY = System.getProperty("it.api.key");
    static final TokenVerifier TOKENS = new TokenVerifier(SECRET);

    @ArquillianResource
    URL base;

    @Deployment(testable = false)
    static WebArchive herald() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("herald.war")))
                .addClasses(ProbeServlet.class, ProbeBean.class, ProbeObserver.class, ProbeAuthorizer.class);
    }

    URI http(String path) {
        return URI.create(base.toString().replaceAll("/$", "") + path);
    }

    URI ws(String query) {
        return URI.create(http("/ws" + query).toString().replaceFirst("^http", "ws"));
    }

    /** A session of {@code user} that sent its token in the first frame, as herald.js does. */
    WsClient connect(String user) {
        WsClient client = WsClient.connectWithAuthFrame(ws(""), TOKENS.sign(user, Duration.ofMinutes(5)));
        client.awaitSessionId();
        return client;
    }

    HttpResponse<String> publish(String body) {
        return Http.post(http("/api/notices"), KEY, body);
    }

    @Test
    void refusesAUsersSessionPastHeraldSessionMaxPerUserWith4430() {
        // The test servers run with herald.session.max-per-user=20.
        List<WsClient> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                open.add(connect("limit-user"));
            }
            WsClient refused = WsClient.connectWithAuthFrame(ws(""), TOKENS.sign("limit-user", Duration.ofMinutes(5)));
            assertEquals(4430, refused.awaitClose());
            try (WsClient other = connect("limit-other")) {
                assertTrue(other.awaitSessionId() != null, "the limit is per user");
            }
            open.remove(0).close();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                WsClient again = WsClient.connectWithAuthFrame(ws(""), TOKENS.sign("limit-user",
                        Duration.ofMinutes(5)));
                boolean welcomed = !again.ofType("welcome").isEmpty() || waitWelcome(again);
                if (welcomed) {
                    open.add(again);
                } else {
                    again.close();
                }
                return welcomed;
            });
        } finally {
            open.forEach(WsClient::close);
        }
    }

    /** Whether {@code client} is welcomed within 2 s rather than closed. */
    private static boolean waitWelcome(WsClient client) {
        try {
            await().atMost(Duration.ofSeconds(2)).until(() -> !client.ofType("welcome").isEmpty() || client.isClosed());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
        return !client.ofType("welcome").isEmpty();
    }

    @Test
    void aDrainedNodeIsNotReadyRefusesNewClientsWith1013AndClosesItsOwnWith1001UntilTheDrainEnds() {
        assertEquals(401, Http.post(http("/api/drain"), null, "").statusCode());
        try (WsClient alice = connect("drain-alice")) {
            HttpResponse<String> drained = Http.post(http("/api/drain?spread=0"), KEY, "");
            assertEquals(202, drained.statusCode(), drained.body());
            assertTrue(drained.body().contains("\"closing\":"), drained.body());
            try {
                assertEquals(1001, alice.awaitClose());
                assertEquals(503, Http.get(http("/api/health/ready")).statusCode());
                assertEquals(200, Http.get(http("/api/health/live")).statusCode());
                WsClient late = WsClient.connectWithAuthFrame(ws(""), TOKENS.sign("drain-bob", Duration.ofMinutes(5)));
                assertEquals(1013, late.awaitClose());
            } finally {
                assertEquals(200, Http.send(http("/api/drain"), "DELETE", KEY, null, null).statusCode());
            }
            assertEquals(200, Http.get(http("/api/health/ready")).statusCode());
            try (WsClient again = connect("drain-alice")) {
                assertTrue(again.awaitSessionId() != null);
            }
        }
    }

    @Test
    void servesMetricsInThePrometheusTextFormatThatPromtoolAcceptsOnlyWithTheApiKey() throws Exception {
        assertEquals(401, Http.get(http("/api/metrics")).statusCode());
        assertEquals(401, Http.get(http("/api/metrics"), "not-the-key-at-all").statusCode());
        try (WsClient alice = connect("metrics-alice")) {
            assertEquals(200, Http.post(http("/probe?user=metrics-alice&event=m&text=x"), null, "").statusCode());
            alice.awaitEvent("m");
            HttpResponse<String> scraped = Http.get(http("/api/metrics"), KEY);
            assertEquals(200, scraped.statusCode(), scraped.body());
            String type = scraped.headers().firstValue("Content-Type").orElse("").replace(" ", "");
            assertTrue(type.startsWith("text/plain;") && type.contains(";version=0.0.4"), type);
            String text = scraped.body();
            assertTrue(java.util.regex.Pattern.compile("(?m)^herald_sessions [1-9]").matcher(text).find(), text);
            assertTrue(java.util.regex.Pattern.compile("(?m)^herald_delivery_latency_seconds_count [1-9]")
                    .matcher(text).find(), text);
            String promtool = System.getenv().getOrDefault("PROMTOOL", "promtool");
            Process check = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
            try (var in = check.getOutputStream()) {
                in.write(text.getBytes(StandardCharsets.UTF_8));
            }
            String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(check.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "promtool hung");
            assertEquals(0, check.exitValue(), "promtool check metrics: " + said);
            assertEquals("", said.strip(), "no lint warnings");
        }
    }

    @Test
    void aNoticeSentInATransactionLeavesWhenItCommitsAndNeverWhenItRollsBack() {
        try (WsClient alice = connect("tx-alice")) {
            java.util.Map<String, String> ids = new java.util.LinkedHashMap<>();
            for (String how : List.of("commit", "throw", "rollback-only", "held-then-now", "now-then-throw")) {
                HttpResponse<String> sent = Http.post(http("/probe?user=tx-alice&event=tx." + how + "&tx=" + how),
                        null, "");
                assertEquals(200, sent.statusCode(), sent.body());
                ids.put("tx." + how, sent.body());
            }
            // Notices to one user arrive in the order they were published: once the last is in, all are.
            assertEquals(200, Http.post(http("/probe?user=tx-alice&event=tx.end&text=x"), null, "").statusCode());
            alice.awaitEvent("tx.end");
            assertEquals(List.of("tx.commit", "tx.held-then-now.now", "tx.held-then-now", "tx.now-then-throw",
                    "tx.end"), alice.events(), "rolled back: none; held until the commit: after what was sent at once");
            java.util.Map<String, String> idsSeen = new java.util.HashMap<>();
            alice.ofType("notice").forEach(n -> idsSeen.put(n.getString("event"), n.getString("id")));
            for (String event : List.of("tx.commit", "tx.held-then-now", "tx.now-then-throw")) {
                assertEquals(ids.get(event), idsSeen.get(event), event + " carries the id its send returned");
            }
        }
    }

    @Test
    void deliversANoticeSentThroughInjectedNoticeServiceToEverySessionOfTheUser() {
        try (WsClient tab1 = connect("alice"); WsClient tab2 = connect("alice"); WsClient bob = connect("bob")) {
            HttpResponse<String> sent = Http.post(http("/probe?user=alice&event=order.shipped&text=hello"), null, "");
            assertEquals(200, sent.statusCode(), sent.body());
            tab1.awaitEvent("order.shipped");
            tab2.awaitEvent("order.shipped");
            assertEquals("hello", tab1.ofType("notice").get(0).getString("data"));
            assertEquals(sent.body(), tab1.ofType("notice").get(0).getString("id"));
            publish("{\"to\":{\"user\":\"bob\"},\"event\":\"marker\"}");
            bob.awaitEvent("marker");
            assertEquals(java.util.List.of("marker"), bob.events());
        }
    }

    @Test
    void restPublishAcceptsOneNoticeOrABatchAndReturnsTheirIds() {
        try (WsClient carol = connect("carol")) {
            HttpResponse<String> one = publish("{\"to\":{\"user\":\"carol\"},\"event\":\"one\",\"data\":{\"a\":1}}");
            assertEquals(202, one.statusCode(), one.body());
            assertTrue(one.body().matches("\\{\"ids\":\\[\"[^\"]+\"]}"), one.body());
            HttpResponse<String> two = publish("[{\"to\":{\"user\":\"carol\"},\"event\":\"two\"},"
                    + "{\"to\":{\"all\":true},\"event\":\"three\",\"data\":\"text\"}]");
            assertEquals(202, two.statusCode(), two.body());
            carol.awaitEvent("three");
            assertEquals(java.util.List.of("one", "two", "three"), carol.events());
            assertEquals(1, carol.ofType("notice").get(0).getJsonObject("data").getInt("a"));
        }
    }

    @Test
    void acceptsTheTokenInTheUrlAsWell() {
        try (WsClient urlToken = WsClient.connect(ws("?token=" + TOKENS.sign("judy", Duration.ofMinutes(5))))) {
            urlToken.awaitSessionId();
            assertEquals("judy", urlToken.ofType("welcome").get(0).getString("user"));
            publish("{\"to\":{\"user\":\"judy\"},\"event\":\"by.url\"}");
            urlToken.awaitEvent("by.url");
        }
    }

    @Test
    void refusesConnectionsWithoutAValidIdentityWithCloseCode4401() throws Exception {
        String wrongKey = new TokenVerifier("another-secret-that-is-long-enough-0123456789")
                .sign("mallory", Duration.ofMinutes(5));
        SignedJWT expired = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                .subject("mallory").expirationTime(new Date(System.currentTimeMillis() - 600_000)).build());
        expired.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        String unsigned = new PlainJWT(new JWTClaimsSet.Builder().subject("mallory")
                .expirationTime(new Date(System.currentTimeMillis() + 600_000)).build()).serialize();
        for (String badToken : new String[] {"", "garbage", wrongKey, expired.serialize(), unsigned}) {
            try (WsClient client = WsClient.connect(ws("?token=" + URLEncoder.encode(badToken, StandardCharsets.UTF_8)))) {
                assertRefusedForItsToken(client, "token in the URL: " + badToken);
            }
            try (WsClient client = WsClient.connectWithAuthFrame(ws(""), badToken)) {
                assertRefusedForItsToken(client, "token in the first frame: " + badToken);
            }
        }
        for (String firstFrame : new String[] {"{\"type\":\"ping\"}", "not json", "{\"type\":\"auth\"}"}) {
            try (WsClient client = WsClient.connect(ws(""))) {
                client.send(firstFrame);
                assertRefusedForItsToken(client, "first frame " + firstFrame);
                assertTrue(client.closeReason().contains("the first frame must be")
                        || client.closeReason().contains("no string 'token'"), client.closeReason());
                assertTrue(client.ofType("pong").isEmpty(), firstFrame);
            }
        }
    }

    /**
     * Closed with 4401 for what it sent, not by the auth time-out (2 s here): the reason says why, and nothing
     * was registered.
     */
    private static void assertRefusedForItsToken(WsClient client, String what) {
        assertEquals(4401, client.awaitClose(), what);
        assertTrue(client.closeReason().startsWith("unauthorized: ")
                && !client.closeReason().contains("no auth frame"), what + ": " + client.closeReason());
        assertTrue(client.ofType("welcome").isEmpty(), "nothing registered for " + what);
    }

    @Test
    void closesAConnectionThatSendsNoAuthFrameWithinTheAuthTimeoutAndSendsItNothingMeanwhile() {
        int sessionsBefore = sessions();
        try (WsClient silent = WsClient.connect(ws(""))) {
            long start = System.nanoTime();
            assertEquals(sessionsBefore, sessions(), "a connection waiting for its auth frame is not registered");
            assertEquals(202, publish("{\"to\":{\"all\":true},\"event\":\"not.for.pending\"}").statusCode());
            assertEquals(4401, silent.awaitClose(Duration.ofSeconds(15)));
            long waited = (System.nanoTime() - start) / 1_000_000;
            // The server runs with herald.ws.auth-timeout=2000.
            assertTrue(waited >= 1500, "closed after the auth timeout, not at once: " + waited + " ms");
            assertTrue(silent.closeReason().contains("no auth frame"), silent.closeReason());
            assertEquals(java.util.List.of(), silent.frames(), "nothing, not even a broadcast, before auth");
            assertEquals(sessionsBefore, sessions(), "nothing was registered");
        }
    }

    @Test
    void refusesAForeignOriginWith4403AndAcceptsTheSameOrigin() {
        try (WsClient evil = WsClient.connect(ws("?token=" + TOKENS.sign("dave", Duration.ofMinutes(5))),
                "Origin", "https://evil.example")) {
            assertEquals(4403, evil.awaitClose());
        }
        String sameOrigin = http("").toString().replaceAll("^(https?://[^/]+).*", "$1");
        try (WsClient same = WsClient.connect(ws("?token=" + TOKENS.sign("dave", Duration.ofMinutes(5))),
                "Origin", sameOrigin)) {
            same.awaitSessionId();
            assertFalse(same.isClosed());
        }
    }

    @Test
    void answersPingAndReportsBadFramesWithoutClosingTheConnection() {
        try (WsClient erin = connect("erin")) {
            erin.send("not json");
            erin.send("{\"type\":\"subscribe-to-everything\"}");
            erin.send("[1,2]");
            erin.send("{\"type\":\"ping\"}");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !erin.ofType("pong").isEmpty());
            assertEquals(3, erin.ofType("error").size());
            assertEquals("bad_frame", erin.ofType("error").get(0).getString("code"));
            assertEquals("unknown_type", erin.ofType("error").get(1).getString("code"));
            assertEquals("bad_frame", erin.ofType("error").get(2).getString("code"));
            publish("{\"to\":{\"user\":\"erin\"},\"event\":\"still.open\"}");
            erin.awaitEvent("still.open");
        }
    }

    @Test
    void closesAConnectionThatSendsAFrameOverTheMaximumWith1009() {
        try (WsClient frank = connect("frank")) {
            frank.send("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(5000) + "\"}");
            assertEquals(1009, frank.awaitClose());
        }
    }

    @Test
    void rejectsBadRestRequestsWithTheirStatusAndSendsNothingFromABadBody() {
        try (WsClient grace = connect("grace")) {
            String good = "{\"to\":{\"user\":\"grace\"},\"event\":\"must.not.arrive\"}";
            assertEquals(401, Http.post(http("/api/notices"), null, good).statusCode());
            assertEquals(401, Http.post(http("/api/notices"), "wrong-key-wrong-key", good).statusCode());
            HttpResponse<String> notJson = publish("{\"to\":");
            assertEquals(400, notJson.statusCode());
            assertTrue(notJson.body().contains("not valid JSON"), notJson.body());
            assertEquals(400, publish("[]").statusCode());
            assertEquals(400, publish("42").statusCode());
            HttpResponse<String> badSecond = publish("[" + good + ",{\"to\":{\"user\":\"grace\"},\"event\":\"bad event\"}]");
            assertEquals(400, badSecond.statusCode());
            assertTrue(badSecond.body().contains("\"index\":1"), badSecond.body());
            assertEquals(400, publish("{\"to\":{\"team\":\"x\"},\"event\":\"e\"}").statusCode());

            publish("{\"to\":{\"user\":\"grace\"},\"event\":\"marker\"}");
            grace.awaitEvent("marker");
            assertEquals(java.util.List.of("marker"), grace.events());
        }
    }

    @Test
    void closesASessionThatStopsReadingWhileOthersKeepReceiving() {
        try (WsClient slow = WsClient.connectThenStopReading(ws("?token=" + TOKENS.sign("heidi", Duration.ofMinutes(5))));
                WsClient fast = connect("ivan")) {
            int sessionsBefore = sessions();
            String padding = "y".repeat(30_000);
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 30; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"to\":{\"user\":\"heidi\"},\"event\":\"flood\",\"data\":\"")
                        .append(padding).append("\"}");
            }
            batch.append(']');
            // Each round queues ~0.9 MB for the client that does not read; the server's own buffers take some
            // megabytes before its sends stall and the session's queue (limit 64) overflows.
            int round = 0;
            for (; round < 100 && sessions() == sessionsBefore; round++) {
                assertEquals(202, publish(batch.toString()).statusCode());
                publish("{\"to\":{\"user\":\"ivan\"},\"event\":\"fast-" + round + "\"}");
                fast.awaitEvent("fast-" + round);
            }
            assertEquals(sessionsBefore - 1, sessions(), "the slow session was closed after " + round + " rounds");
            System.out.println("Slow consumer closed after " + round + " rounds of 0.9 MB");
            slow.resume();
            try {
                // Reading back what it left unread takes a while on a loaded machine.
                int code = slow.awaitClose(Duration.ofSeconds(20));
                // The close frame waits behind everything unread; some servers drop the connection instead.
                assertTrue(code == 4429 || code == 1006, "close code " + code);
            } catch (CompletionException noCloseFrame) {
                // Payara: Tyrus cancels the close frame of a session closed with writes pending and leaves the
                // socket open. The session is gone on the server all the same: a ping gets no pong, which is
                // how herald.js notices and reconnects.
                slow.send("{\"type\":\"ping\"}");
                org.awaitility.Awaitility.await("a closed session never answers a ping")
                        .during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                        .until(() -> slow.ofType("pong").isEmpty());
            }
            assertFalse(fast.isClosed());
        }
    }

    int sessions() {
        String body = Http.get(http("/api/health")).body();
        return Integer.parseInt(body.replaceAll(".*\"sessions\":(\\d+).*", "$1"));
    }

    // Hostile and careless input: each gets its documented answer, and the rest keeps working.

    /** Streams {@code sent} bytes of a text frame that announces 48 MB, then waits: the server must not wait for the rest. */
    private static void assertRefusedWith1009WhileItStreams(RawWs ws, String what) throws Exception {
        ws.header(RawWs.TEXT, 48L << 20);
        ws.payload("x".repeat(320 * 1024).getBytes(StandardCharsets.US_ASCII));
        // past herald.ws.max-frame (4096) and Tyrus's buffer (262158): refused without the other 47.7 MB
        assertEquals(1009, ws.awaitClose(Duration.ofSeconds(10)), what + ": " + ws.closeReason());
        assertTrue(ws.awaitEnd(Duration.ofSeconds(10)), what + ": the server ends the connection");
    }

    @Test
    void refusesAFrameOverTheLimitWith1009AsSoonAsItIsKnownTooBigBeforeAndAfterAuth() throws Exception {
        try (RawWs pending = RawWs.connect(ws(""))) {
            assertRefusedWith1009WhileItStreams(pending, "before auth");
        }
        try (RawWs authenticated = RawWs.connect(ws("?token=" + TOKENS.sign("kate", Duration.ofMinutes(5))))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> authenticated.texts().contains("welcome"));
            assertRefusedWith1009WhileItStreams(authenticated, "after auth");
        }
        try (RawWs fragmented = RawWs.connect(ws("?token=" + TOKENS.sign("kate", Duration.ofMinutes(5))))) {
            // a message in many small fragments: no frame is large, the message is
            for (int i = 0; i < 10 && !fragmented.isClosed(); i++) {
                fragmented.fragment(i == 0 ? RawWs.TEXT : 0, "y".repeat(1000), false);
            }
            assertEquals(1009, fragmented.awaitClose(Duration.ofSeconds(10)), fragmented.closeReason());
        }
        try (WsClient kate = connect("kate")) {
            publish("{\"to\":{\"user\":\"kate\"},\"event\":\"still.serving\"}");
            kate.awaitEvent("still.serving");
        }
    }

    @Test
    void closesOnABinaryFrameWith4401BeforeAuthAnd1003After() throws Exception {
        try (RawWs pending = RawWs.connect(ws(""))) {
            pending.send(RawWs.BINARY, new byte[] {1, 2, 3});
            assertEquals(4401, pending.awaitClose(Duration.ofSeconds(10)));
            assertTrue(pending.closeReason().contains("binary"), pending.closeReason());
        }
        try (RawWs authenticated = RawWs.connect(ws("?token=" + TOKENS.sign("leo", Duration.ofMinutes(5))))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> authenticated.texts().contains("welcome"));
            authenticated.send(RawWs.BINARY, new byte[] {1, 2, 3});
            assertEquals(1003, authenticated.awaitClose(Duration.ofSeconds(10)));
        }
    }

    @Test
    void answersFramesPastTheJsonLimitsWithBadFrameAfterAuthAnd4401Before() {
        String deep = "{\"type\":\"ping\",\"x\":" + "[".repeat(1000) + "]".repeat(1000) + "}";
        String number = "{\"type\":\"ping\",\"n\":" + "1".repeat(3000) + "}";
        try (WsClient mia = connect("mia")) {
            mia.send(deep);
            mia.send(number);
            mia.send("{\"type\":\"ping\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> !mia.ofType("pong").isEmpty());
            List<jakarta.json.JsonObject> errors = mia.ofType("error");
            assertEquals(List.of("bad_frame", "bad_frame"), errors.stream().map(e -> e.getString("code")).toList());
            assertEquals("frame is nested more than 64 levels deep", errors.get(0).getString("message"));
            assertEquals("frame holds a number longer than 100 characters", errors.get(1).getString("message"));
            assertFalse(mia.isClosed());
        }
        try (WsClient pending = WsClient.connect(ws(""))) {
            pending.send(deep.replace("\"ping\"", "\"auth\",\"token\":\"x\""));
            assertRefusedForItsToken(pending, "a deep auth frame");
        }
    }

    @Test
    void answersTenThousandPipelinedPingsOfAReadingClient() {
        try (WsClient nora = connect("nora")) {
            for (int i = 0; i < 10_000; i++) {
                nora.send("{\"type\":\"ping\"}");
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> nora.ofType("pong").size() == 10_000 || nora.isClosed());
            assertFalse(nora.isClosed(), "closed with " + nora.closeReason());
        }
    }

    @Test
    void aBatchOfMaxNoticesToOneUserAndASendAllOfThreeThousandArriveWhole() {
        try (WsClient oscar = connect("oscar")) {
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 1000; i++) { // herald.api.max-notices
                batch.append(i == 0 ? "" : ",").append("{\"to\":{\"user\":\"oscar\"},\"event\":\"rest.").append(i)
                        .append("\",\"data\":{\"i\":").append(i).append("}}");
            }
            assertEquals(202, publish(batch.append("]").toString()).statusCode());
            assertEquals(200, Http.post(http("/probe?user=oscar&event=java&count=3000"), null, "").statusCode());
            await().atMost(Duration.ofSeconds(30)).until(() -> oscar.events().size() == 4000 || oscar.isClosed());
            assertFalse(oscar.isClosed(), "a reading client is not closed by a burst: " + oscar.closeReason());
            assertEquals("rest.999", oscar.events().get(999));
            assertEquals("java.2999", oscar.events().get(3999));
        }
    }

    @Test
    void refusesRestBodiesOfAnotherTypeInvalidUtf8TooLargeOrPastTheJsonLimitsWithJsonErrors() {
        String good = "{\"to\":{\"user\":\"pia\"},\"event\":\"must.not.arrive\"}";
        try (WsClient pia = connect("pia")) {
            assertProblem(Http.send(http("/api/notices"), "POST", KEY, "text/plain", good.getBytes(StandardCharsets.UTF_8)),
                    415, "application/json");
            assertProblem(Http.send(http("/api/notices"), "POST", KEY, null, good.getBytes(StandardCharsets.UTF_8)),
                    415, "application/json");
            byte[] latin1 = "{\"to\":{\"user\":\"pia\"},\"event\":\"e\",\"data\":\"caf\u00e9\"}"
                    .getBytes(StandardCharsets.ISO_8859_1);
            assertProblem(Http.send(http("/api/notices"), "POST", KEY, "application/json", latin1), 400, "UTF-8");
            byte[] big = ("[" + (good + ",").repeat(30_000) + good + "]").getBytes(StandardCharsets.UTF_8); // > 1 MB
            assertProblem(Http.send(http("/api/notices"), "POST", KEY, "application/json", big), 413,
                    "herald.api.max-body");
            assertProblem(Http.sendChunked(http("/api/notices"), KEY, "application/json", big), 413,
                    "herald.api.max-body");
            String deep = "{\"to\":{\"user\":\"pia\"},\"event\":\"e\",\"data\":" + "[".repeat(1000)
                    + "]".repeat(1000) + "}";
            HttpResponse<String> tooDeep = publish("[" + good + "," + deep + "]");
            assertProblem(tooDeep, 400, "nested more than 64 levels deep");
            assertTrue(tooDeep.body().contains("\"index\":1"), tooDeep.body());
            assertProblem(publish("{\"to\":{\"user\":\"pia\"},\"event\":\"e\",\"data\":" + "9".repeat(5000) + "}"),
                    400, "number longer than 100 characters");
            publish("{\"to\":{\"user\":\"pia\"},\"event\":\"marker\"}");
            pia.awaitEvent("marker");
            assertEquals(List.of("marker"), pia.events(), "nothing of a refused body was sent");
        }
    }

    @Test
    void servesNoApiDescriptionAndAnswersErrorsOfTheApiItselfAsJson() {
        assertProblem(Http.get(http("/api/application.wadl")), 404, "not found");
        HttpResponse<String> options = Http.send(http("/api/notices"), "OPTIONS", null, null, null);
        assertTrue(!options.body().contains("wadl") && !options.body().contains("<"), options.body());
        assertProblem(Http.get(http("/api/notices")), 405, "method not allowed");
        assertProblem(Http.get(http("/api/no-such-thing")), 404, "not found");
    }

    /** A JSON error body with {@code status}: no HTML page, no class name, no stack trace. */
    private static void assertProblem(HttpResponse<String> response, int status, String messagePart) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.body().startsWith("{\"error\":") && response.body().contains(messagePart), response.body());
        assertTrue(!response.body().contains("Exception") && !response.body().contains("<"), response.body());
    }

    /** The CDI events the deployment's observer heard that mention {@code text}. */
    List<String> heard(String text) {
        return java.util.Arrays.stream(Http.get(http("/probe")).body().split("\n")).filter(l -> l.contains(text))
                .toList();
    }

    @Test
    void theApplicationsAuthorizerDecidesAndItsObserversHearOfSessionsAndPublishesOffTheConnectionsThread() {
        String session;
        String id;
        try (WsClient rita = connect("rita"); WsClient bob = connect("bob")) {
            session = rita.awaitSessionId();
            rita.send("{\"type\":\"subscribe\",\"channel\":\"probe:talk\"}");
            rita.send("{\"type\":\"subscribe\",\"channel\":\"room:not-open\"}");
            rita.send("{\"type\":\"subscribe\",\"channel\":\"probe:boom\"}");
            rita.send("{\"type\":\"publish\",\"channel\":\"probe:bob-speaks\",\"event\":\"e\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> rita.ofType("error").size() == 3
                    && !rita.ofType("subscribed").isEmpty());
            assertEquals(List.of("forbidden:room:not-open", "forbidden:probe:boom", "forbidden:probe:bob-speaks"),
                    rita.ofType("error").stream().map(e -> e.getString("code") + ":" + e.getString("channel")).toList());
            bob.send("{\"type\":\"publish\",\"channel\":\"probe:bob-speaks\",\"event\":\"e\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> !bob.ofType("published").isEmpty());
            rita.send("{\"type\":\"publish\",\"channel\":\"probe:talk\",\"event\":\"chat.message\","
                    + "\"data\":{\"text\":\"hi\"}}");
            rita.awaitEvent("chat.message"); // an observer that throws changed nothing
            id = rita.ofType("published").get(0).getString("id");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> heard("SessionClosed[user=rita").size() == 1);
        List<String> opened = heard("SessionOpened[user=rita");
        assertEquals(1, opened.size(), opened.toString());
        assertTrue(opened.get(0).startsWith("SessionOpened[user=rita, session=" + session + ", node="), opened.get(0));
        List<String> published = heard("ClientPublished[user=rita");
        assertEquals(1, published.size(), published.toString());
        assertTrue(published.get(0).startsWith("ClientPublished[user=rita, channel=probe:talk, id=" + id
                + ", event=chat.message, data={\"text\":\"hi\"}]"), published.get(0));
        List<String> closed = heard("SessionClosed[user=rita");
        assertTrue(closed.get(0).startsWith("SessionClosed[user=rita, session=" + session + ", node="), closed.get(0));
        assertTrue(closed.get(0).contains("closeCode=1000]"), closed.get(0));
        for (String event : List.of(opened.get(0), published.get(0), closed.get(0))) {
            assertTrue(!event.contains("herald-subscriber") && !event.contains("http") && !event.contains("XNIO")
                    && !event.contains("Grizzly") && !event.contains("default task"), "not on a connection's or the subscriber's thread: " + event);
        }
    }
}

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

/**
 * {@code server-config/payara/herald.asadmin}, as shipped but for its values, run by asadmin against a Payara Server 6
 * domain that it creates: the script must make a deployment group of two instances that both run Herald on Redis
 * with the configuration it set, and a notice sent to one must reach a client of the other, so that the script
 * cannot rot. {@code PayaraServerIT} runs it with herald.war, the ear module's {@code PayaraServerEarIT} with
 * herald.ear, which the script deploys as shipped. Also the asadmin helpers that GlassFishIT shares.
 */
public final class PayaraDeploymentGroup {

    private static final Path SHIPPED = Path.of("../server-config/payara/herald.asadmin");
    private static final String DOMAIN = "herald-test";
    private static final String KEY = "asadmin-test-api-key-0123456789";
    private static final String SECRET = "asadmin-test-secret-asadmin-test-0123";

    private final Path home;
    private final Path domains;

    private PayaraDeploymentGroup(Path home, Path domains) {
        this.home = home;
        this.domains = domains;
    }

    /**
     * Runs the shipped script with {@code deployable} (herald.war or herald.ear) on a domain under {@code work}, in
     * the Payara Server installed at {@code home}, and checks the group as the class says.
     */
    public static void runTheShippedScript(Path home, Path work, Path deployable) throws Exception {
        new PayaraDeploymentGroup(home, work.resolve("payara-domains")).run(deployable);
    }

    private void run(Path deployable) throws Exception {
        int das = freeBase();
        int one = freeBase(das);
        int two = freeBase(das, one);
        int admin = das + 48;
        try (RedisServer redis = RedisServer.start()) {
            ProcessNode.deleteTree(domains);
            // Instances live under the installation's nodes folder: none of an earlier run may stay.
            ProcessNode.deleteTree(home.resolve("glassfish/nodes/localhost-" + DOMAIN));
            asadmin(120, "create-domain", "--nopassword", "--portbase", String.valueOf(das), "--domaindir",
                    domains.toString(), DOMAIN);
            try {
                asadmin(180, "start-domain", "--domaindir", domains.toString(), DOMAIN);
                String shipped = Files.readString(SHIPPED, StandardCharsets.UTF_8);
                String script = shipped
                        .replace("redis.internal\\\\:6379", "127.0.0.1\\\\:" + redis.port())
                        .replace("CHANGE-ME-at-least-32-bytes-of-random-secret", SECRET)
                        .replace("CHANGE-ME-long-random-api-key", KEY)
                        .replace("localhost-domain1", "localhost-" + DOMAIN)
                        .replace("--portbase 28000", "--portbase " + one)
                        .replace("--portbase 29000", "--portbase " + two)
                        .replace("../../ear/target/herald.ear", deployable.toAbsolutePath().toString());
                // Every value the test replaces is still in the script as shipped (checked there: a port base the
                // test picks may itself be 28000), and no placeholder is left.
                for (String shippedValue : List.of("redis.internal\\\\:6379", "localhost-domain1", "--portbase 28000 ",
                        "--portbase 29000 ", "../../ear/target/herald.ear")) {
                    assertTrue(shipped.contains(shippedValue), "herald.asadmin changed: it no longer holds "
                            + shippedValue);
                }
                for (String placeholder : List.of("redis.internal", "CHANGE-ME", "domain1", "../../ear")) {
                    assertTrue(!script.contains(placeholder), "herald.asadmin changed: the test no longer replaces "
                            + placeholder);
                }
                Path edited = Files.createTempFile("herald", ".asadmin");
                Files.writeString(edited, script);
                String ran = asadmin(300, "--port", String.valueOf(admin), "multimode", "--file", edited.toString());

                URI first = URI.create("http://127.0.0.1:" + (one + 80));
                URI second = URI.create("http://127.0.0.1:" + (two + 80));
                for (URI instance : List.of(first, second)) {
                    try {
                        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                                .until(() -> Http.get(instance.resolve("/herald/api/health")).statusCode() == 200);
                    } catch (org.awaitility.core.ConditionTimeoutException e) {
                        throw new AssertionError("no health at " + instance + " within 120 s.\nThe script printed:\n"
                                + ran + "\nlist-instances:\n" + quietly("--port", String.valueOf(admin),
                                        "list-instances", "--long") + diagnostics(), e);
                    }
                    assertTrue(Http.get(instance.resolve("/herald/api/health")).body().contains("\"engine\":\"redis\""),
                            "herald.redis.url applied on " + instance);
                }
                WsClient client = WsClient.connectWithAuthFrame(URI.create("ws://127.0.0.1:" + (two + 80)
                        + "/herald/ws"), Tokens.sign(SECRET, "petra"));
                client.awaitSessionId();
                assertEquals(202, Http.post(first.resolve("/herald/api/notices"), KEY,
                        "{\"to\":{\"user\":\"petra\"},\"event\":\"across-the-group\",\"data\":1}").statusCode(),
                        "herald.api.key applied");
                client.awaitEvent("across-the-group");
                client.close();
            } finally {
                quietly("--port", String.valueOf(admin), "stop-instance", "--kill=true", "herald-1");
                quietly("--port", String.valueOf(admin), "stop-instance", "--kill=true", "herald-2");
                quietly("stop-domain", "--kill=true", "--domaindir", domains.toString(), DOMAIN);
            }
        }
    }

    private String asadmin(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        return asadmin(home, timeoutSeconds, args);
    }

    /**
     * Runs {@code asadmin} of the Payara Server or GlassFish installed at {@code home} on this JVM's Java; what it
     * printed.
     *
     * @throws IllegalStateException when it fails or takes longer than {@code timeoutSeconds}, with its output
     */
    static String asadmin(Path home, int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/asadmin").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("AS_JAVA", System.getProperty("java.home"));
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("asadmin " + args[0] + " did not finish in " + timeoutSeconds + " s:\n"
                    + out);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("asadmin " + String.join(" ", args) + " failed:\n" + out);
        }
        return out;
    }

    /** What asadmin printed, or why it failed: never throws. */
    private String quietly(String... args) {
        try {
            return asadmin(120, args);
        } catch (Exception e) {
            System.out.println("asadmin " + args[args.length - 1] + ": " + e.getMessage());
            return e.getMessage();
        }
    }

    /** The last lines of the DAS's and each instance's server.log, for a failure's message. */
    private String diagnostics() {
        StringBuilder out = new StringBuilder();
        List<Path> logs = new ArrayList<>(List.of(domains.resolve(DOMAIN + "/logs/server.log")));
        for (String instance : List.of("herald-1", "herald-2")) {
            logs.add(home.resolve("glassfish/nodes/localhost-" + DOMAIN + "/" + instance + "/logs/server.log"));
        }
        for (Path log : logs) {
            out.append("\n--- ").append(log).append(" (last 60 lines):\n");
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(l -> out.append(l).append('\n'));
            } catch (IOException e) {
                out.append("unreadable: ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    /**
     * A port base (a multiple of 100), none of {@code taken}, whose ports Payara uses (base + 0 to 99) are free
     * now; below the ephemeral ports (32768 up), so that no outgoing connection takes one meanwhile.
     */
    static int freeBase(int... taken) {
        while (true) {
            int base = ProcessNode.freeOffset(200, 320, 100, 9, 37, 38, 39, 48, 66, 76, 80, 81, 86);
            if (java.util.Arrays.stream(taken).noneMatch(t -> t == base)) {
                return base;
            }
        }
    }
}

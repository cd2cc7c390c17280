package dev.herald.web.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.web.TokenVerifier;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The browser client, {@code herald.js}, in headless Chromium against the built herald.war on a real server:
 * {@code src/test/js/herald-js-check.js} (Playwright) drives a test page and checks what a user of the client
 * relies on. Needs Node.js (npm) and Chromium ({@code apt-get install chromium}, or {@code $CHROMIUM}); the
 * Playwright library is installed from npm into {@code target/browser-test} on the first run.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class HeraldJsIT {

    private static final Path SCRIPTS = Path.of("src/test/js");
    private static final Path WORK = Path.of("target/browser-test");

    @ArquillianResource
    URL base;

    @Deployment(testable = false)
    static WebArchive herald() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("herald.war")))
                .addAsWebResource("browser/herald-test.html", "herald-test.html")
                .addClasses(dev.herald.web.it.probe.ProbeAuthorizer.class);
    }

    @Test
    void heraldJsAuthenticatesInItsFirstFrameReceivesNoticesUsesChannelsReconnectsRestoringThemAndStopsOnARefusedToken() throws Exception {
        installPlaywright();
        String token = HeraldWarIT.TOKENS.sign("browser-user", Duration.ofMinutes(5));
        String root = base.toString().endsWith("/") ? base.toString() : base + "/";
        String friend = HeraldWarIT.TOKENS.sign("browser-friend", Duration.ofMinutes(5));
        Result check = run(List.of("node", "herald-js-check.js", root, token, HeraldWarIT.KEY, friend), 120);
        System.out.println(check.output);
        assertEquals(0, check.exit, "herald-js-check.js failed:\n" + check.output);
        assertTrue(check.output.contains("all herald.js checks passed"), check.output);
    }

    @Test
    void theAdminPageAsksForTheKeyThenShowsNodesSessionsChannelsAndRatesAndUpdatesItself() throws Exception {
        installPlaywright();
        Path shots = Files.createDirectories(Path.of("target/screenshots")).toAbsolutePath();
        String root = base.toString().endsWith("/") ? base.toString() : base + "/";
        String token = HeraldWarIT.TOKENS.sign("admin-watcher", Duration.ofMinutes(5));
        Result check = run(List.of("node", "admin-check.js", root, HeraldWarIT.KEY, token, shots.toString()), 120);
        System.out.println(check.output);
        assertEquals(0, check.exit, "admin-check.js failed:\n" + check.output);
        assertTrue(check.output.contains("all admin page checks passed"), check.output);
        for (String shot : List.of("admin-wrong-key.png", "admin-signed-in.png", "admin-updated.png")) {
            assertTrue(Files.size(shots.resolve(shot)) > 1000, shot + " saved");
        }
    }

    /** Copies the script and its npm manifest to target/ and installs Playwright there unless it already is. */
    private static void installPlaywright() throws Exception {
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        assertTrue(Files.isExecutable(Path.of(chromium)),
                "the browser tests need Chromium at " + chromium + ": apt-get install chromium, or set CHROMIUM");
        Files.createDirectories(WORK);
        for (String file : List.of("package.json", "package-lock.json", "herald-js-check.js", "admin-check.js")) {
            Files.copy(SCRIPTS.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.exists(WORK.resolve("node_modules/playwright-core/package.json"))) {
            Result npm = run(List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
            assertEquals(0, npm.exit, "npm ci failed (Node.js and npm are needed for the herald.js test):\n" + npm.output);
        }
    }

    private record Result(int exit, String output) { }

    private static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("herald-browser-test", ".log");
        try {
            Process process = new ProcessBuilder(command).directory(WORK.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, command + " did not finish within " + timeoutSeconds + " s:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}

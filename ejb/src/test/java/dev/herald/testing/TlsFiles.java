package dev.herald.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority of its own and a server certificate it signed, made with {@code openssl} in a temporary
 * folder, for Redis's TLS ports; a PKCS12 trust store that holds the authority, for Herald's {@code ?truststore=};
 * and a client certificate the authority signed with its key, in a PKCS12 key store for {@code ?keystore=}.
 */
public final class TlsFiles {

    public static final String PASSWORD = "trust-me";

    private final Path dir;

    private TlsFiles(Path dir) {
        this.dir = dir;
    }

    /** A fresh authority and a server certificate for {@code subjectAltNames} ({@code IP:127.0.0.1}, say). */
    public static TlsFiles create(String subjectAltNames) {
        try {
            TlsFiles files = new TlsFiles(Files.createTempDirectory("herald-tls"));
            Path d = files.dir;
            Files.writeString(d.resolve("san.cnf"), "subjectAltName=" + subjectAltNames + "\n");
            openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                    "-days", "2", "-subj", "/CN=Herald test CA");
            openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "redis.key", "-out", "redis.csr", "-subj",
                    "/CN=redis");
            openssl(d, "x509", "-req", "-in", "redis.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "redis.pem", "-days", "2", "-extfile", "san.cnf");
            openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj",
                    "/CN=herald-node");
            openssl(d, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "client.pem", "-days", "2");
            openssl(d, "pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key", "-name", "herald-node",
                    "-out", "client.p12", "-passout", "pass:" + PASSWORD);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream ca = Files.newInputStream(d.resolve("ca.pem"))) {
                trust.setCertificateEntry("herald-test-ca", CertificateFactory.getInstance("X.509")
                        .generateCertificate(ca));
            }
            try (OutputStream out = Files.newOutputStream(d.resolve("trust.p12"))) {
                trust.store(out, PASSWORD.toCharArray());
            }
            return files;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the test certificates", e);
        }
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(command + " failed:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The redis-server arguments for a TLS port {@code port} with this certificate; clients need none of their own. */
    public List<String> redisArguments(int port) {
        return List.of("--tls-port", String.valueOf(port), "--tls-cert-file", dir.resolve("redis.pem").toString(),
                "--tls-key-file", dir.resolve("redis.key").toString(), "--tls-ca-cert-file",
                dir.resolve("ca.pem").toString(), "--tls-auth-clients", "no");
    }

    /** As {@link #redisArguments}, but the port refuses a client without a certificate of this authority. */
    public List<String> redisArgumentsRequiringClientCertificates(int port) {
        List<String> args = new ArrayList<>(redisArguments(port));
        args.set(args.indexOf("--tls-auth-clients") + 1, "yes");
        return args;
    }

    /** The CA file, for {@code redis-cli --tls --cacert}. */
    public Path ca() {
        return dir.resolve("ca.pem");
    }

    /** Herald's URL parameters that trust this authority. */
    public String urlParameters() {
        return "truststore=" + dir.resolve("trust.p12") + "&truststore-password=" + PASSWORD;
    }

    /** {@link #urlParameters} and the client certificate's key store. */
    public String urlParametersWithClientCertificate() {
        return urlParameters() + "&keystore=" + dir.resolve("client.p12") + "&keystore-password=" + PASSWORD;
    }
}

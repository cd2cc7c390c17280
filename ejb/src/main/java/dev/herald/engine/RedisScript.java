package dev.herald.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A Lua script run by its SHA, which is the SHA-1 of its text wherever it runs: a server that does not know it
 * (it restarted, it is another master of a cluster, a replica promoted by a failover) answers {@code NOSCRIPT},
 * and the script is then sent whole with {@code EVAL}, which also makes that server keep it. Thread safe.
 */
final class RedisScript {

    private final String text;
    private final String sha;

    RedisScript(String text) {
        this.text = text;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-1 in this JVM", e);
        }
    }

    String text() {
        return text;
    }

    String sha() {
        return sha;
    }

    /** Runs the script on the server of {@code keys}: by its SHA, whole when that server does not know it. */
    Object run(UnifiedJedis client, List<String> keys, List<String> args) {
        try {
            return client.evalsha(sha, keys, args);
        } catch (JedisDataException e) {
            if (!forgotten(e)) {
                throw e;
            }
            return client.eval(text, keys, args);
        }
    }

    /** Queues the script by its SHA; where {@link #forgotten} its reply, {@link #run} runs it again. */
    Response<Object> queue(AbstractPipeline pipeline, List<String> keys, List<String> args) {
        return pipeline.evalsha(sha, keys, args);
    }

    /** Whether {@code e} says the server has no such script. */
    static boolean forgotten(JedisDataException e) {
        return e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT");
    }
}

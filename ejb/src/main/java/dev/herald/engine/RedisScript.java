package dev.herald.engine;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A Lua script run by its SHA: loaded on first use, and loaded again after Redis forgot it (it restarted).
 * Thread safe.
 */
final class RedisScript {

    private final String text;
    private volatile String sha;

    RedisScript(String text) {
        this.text = text;
    }

    String text() {
        return text;
    }

    /** The script's SHA, loading the script first when it is not known to be loaded. */
    String sha(Jedis jedis) {
        String known = sha;
        if (known == null) {
            known = jedis.scriptLoad(text);
            sha = known;
        }
        return known;
    }

    /** Forgets the SHA, so that the next {@link #sha} loads the script again (a new connection, a restart). */
    void forget() {
        sha = null;
    }

    /** Whether {@code e} says Redis has no such script; then the next {@link #sha} loads it again. */
    boolean forgotten(JedisDataException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
            sha = null;
            return true;
        }
        return false;
    }
}

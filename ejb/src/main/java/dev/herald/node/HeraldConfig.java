package dev.herald.node;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Herald's settings, read once at startup and validated: a bad value fails the deployment with a message
 * that names the key.
 *
 * <p>Each key is looked up as a system property ({@code herald.redis.url}), then as an environment variable
 * ({@code HERALD_REDIS_URL}: upper case, dots and dashes as underscores), then falls back to its default.
 * Durations are milliseconds. Immutable.
 */
public final class HeraldConfig {

    /** Every key with its default, in the order the README documents them. */
    static final Map<String, String> DEFAULTS = defaults();

    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");

    private final String redisUrl;
    private final String redisPrefix;
    private final int redisTimeoutMillis;
    private final int redisPoolSize;
    private final String nodeName;
    private final int heartbeatMillis;
    private final int nodeTtlMillis;
    private final String jwtSecret;
    private final String apiKey;
    private final int apiMaxBodyBytes;
    private final int apiMaxNotices;
    private final int maxFrameBytes;
    private final int frameBufferBytes;
    private final int maxNoticeBytes;
    private final Set<String> allowedOrigins;
    private final int sessionMaxChannels;
    private final int sessionMaxPerUser;
    private final List<String> openChannelPrefixes;
    private final List<String> joinLeavePrefixes;
    private final int leaveGraceMillis;
    private final int presenceMaxUsers;
    private final dev.herald.engine.History.Retention retention;
    private final int replayMax;
    private final int txRetryForMillis;
    private final int fanoutInlineMax;
    private final int idleTimeoutMillis;
    private final int authTimeoutMillis;
    private final int pingIntervalMillis;
    private final int sessionQueueLimit;
    private final int sessionBufferLimit;
    private final int sessionSendTimeoutMillis;
    private final boolean rawFrames;
    private final boolean demo;

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("herald.redis.url", "");
        d.put("herald.redis.prefix", "herald:");
        d.put("herald.redis.timeout", "2000");
        d.put("herald.redis.pool-size", "32");
        d.put("herald.node.name", "node");
        d.put("herald.node.heartbeat", "2000");
        d.put("herald.node.ttl", "10000");
        d.put("herald.jwt.secret", "");
        d.put("herald.api.key", "");
        d.put("herald.api.max-body", "1048576");
        d.put("herald.api.max-notices", "1000");
        d.put("herald.ws.max-frame", "65536");
        d.put("herald.ws.frame-buffer", "262158");
        d.put("herald.ws.allowed-origins", "");
        d.put("herald.ws.idle-timeout", "60000");
        d.put("herald.ws.auth-timeout", "10000");
        d.put("herald.ws.ping-interval", "20000");
        d.put("herald.ws.raw-frames", "true");
        d.put("herald.session.queue-limit", "1024");
        d.put("herald.session.buffer-limit", "1048576");
        d.put("herald.session.send-timeout", "10000");
        d.put("herald.session.max-channels", "128");
        d.put("herald.session.max-per-user", "100");
        d.put("herald.channels.open", "");
        d.put("herald.channels.join-leave", "");
        d.put("herald.channels.leave-grace", "2000");
        d.put("herald.presence.max-users", "1000");
        d.put("herald.history.user.size", "1000");
        d.put("herald.history.user.max-age-seconds", "86400");
        d.put("herald.history.channel.size", "1000");
        d.put("herald.history.channel.max-age-seconds", "86400");
        d.put("herald.history.replay-max", "1000");
        d.put("herald.tx.retry-for", "30000");
        d.put("herald.fanout.inline-max", "1024");
        d.put("herald.notice.max-bytes", "65536");
        d.put("herald.demo", "false");
        return Collections.unmodifiableMap(d);
    }

    private HeraldConfig(UnaryOperator<String> source) {
        Reader r = new Reader(source);
        redisUrl = r.redisUrl("herald.redis.url");
        redisPrefix = r.nonEmpty("herald.redis.prefix");
        redisTimeoutMillis = r.integer("herald.redis.timeout", 1, 60_000);
        redisPoolSize = r.integer("herald.redis.pool-size", 1, 1024);
        nodeName = r.matching("herald.node.name", NODE_NAME, "1 to 40 letters, digits, '_' or '-'");
        heartbeatMillis = r.integer("herald.node.heartbeat", 50, 600_000);
        nodeTtlMillis = r.integer("herald.node.ttl", 150, 3_600_000);
        if (nodeTtlMillis < 2 * heartbeatMillis) {
            throw r.invalid("herald.node.ttl", "must be at least twice herald.node.heartbeat (" + heartbeatMillis + ")");
        }
        jwtSecret = r.raw("herald.jwt.secret");
        if (!jwtSecret.isEmpty() && jwtSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
            throw r.invalid("herald.jwt.secret", "must be at least 32 bytes (HS256 needs a 256-bit key)");
        }
        apiKey = r.raw("herald.api.key");
        if (!apiKey.isEmpty() && apiKey.length() < 16) {
            throw r.invalid("herald.api.key", "must be at least 16 characters");
        }
        apiMaxBodyBytes = r.integer("herald.api.max-body", 1024, 64 << 20);
        apiMaxNotices = r.integer("herald.api.max-notices", 1, 1_000_000);
        maxFrameBytes = r.integer("herald.ws.max-frame", 256, 16 << 20);
        frameBufferBytes = r.integer("herald.ws.frame-buffer", 1024, 1 << 30);
        maxNoticeBytes = r.integer("herald.notice.max-bytes", 64, 16 << 20);
        allowedOrigins = r.list("herald.ws.allowed-origins");
        idleTimeoutMillis = r.integer("herald.ws.idle-timeout", 1000, 86_400_000);
        authTimeoutMillis = r.integer("herald.ws.auth-timeout", 100, 600_000);
        pingIntervalMillis = r.integer("herald.ws.ping-interval", 100, 86_400_000);
        if (pingIntervalMillis >= idleTimeoutMillis) {
            throw r.invalid("herald.ws.ping-interval",
                    "must be shorter than herald.ws.idle-timeout (" + idleTimeoutMillis + ")");
        }
        rawFrames = r.bool("herald.ws.raw-frames");
        sessionQueueLimit = r.integer("herald.session.queue-limit", 1, 1 << 20);
        sessionBufferLimit = r.integer("herald.session.buffer-limit", 1024, 1 << 30);
        sessionSendTimeoutMillis = r.integer("herald.session.send-timeout", 100, 3_600_000);
        sessionMaxChannels = r.integer("herald.session.max-channels", 1, 65_536);
        sessionMaxPerUser = r.integer("herald.session.max-per-user", 0, 1_000_000);
        openChannelPrefixes = r.channelPrefixes("herald.channels.open");
        joinLeavePrefixes = r.channelPrefixes("herald.channels.join-leave");
        leaveGraceMillis = r.integer("herald.channels.leave-grace", 0, 60_000);
        presenceMaxUsers = r.integer("herald.presence.max-users", 1, 1_000_000);
        fanoutInlineMax = r.integer("herald.fanout.inline-max", 0, 1 << 30);
        retention = new dev.herald.engine.History.Retention(r.integer("herald.history.user.size", 0, 1_000_000),
                r.integer("herald.history.user.max-age-seconds", 1, 31_536_000) * 1000L,
                r.integer("herald.history.channel.size", 0, 1_000_000),
                r.integer("herald.history.channel.max-age-seconds", 1, 31_536_000) * 1000L);
        replayMax = r.integer("herald.history.replay-max", 1, 100_000);
        txRetryForMillis = r.integer("herald.tx.retry-for", 0, 3_600_000);
        demo = r.bool("herald.demo");
        if (demo && jwtSecret.isEmpty()) {
            throw r.invalid("herald.demo", "needs herald.jwt.secret to sign the demo page's tokens");
        }
    }

    /** Reads the configuration from system properties, then environment variables, then defaults. */
    public static HeraldConfig fromEnvironment() {
        return from(key -> {
            String value = System.getProperty(key);
            return value != null ? value : System.getenv(envName(key));
        });
    }

    /**
     * Reads the configuration from {@code source}, which returns {@code null} for an unset key.
     *
     * @throws IllegalArgumentException naming the key of the first invalid value
     */
    public static HeraldConfig from(UnaryOperator<String> source) {
        return new HeraldConfig(source);
    }

    /** The environment variable read for {@code key}: {@code herald.redis.url} is {@code HERALD_REDIS_URL}. */
    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The Redis URL ({@code redis://} or {@code rediss://}); empty means the in-memory engine. */
    public String redisUrl() {
        return redisUrl;
    }

    /** Whether this node runs on Redis rather than on the single-node in-memory engine. */
    public boolean usesRedis() {
        return !redisUrl.isEmpty();
    }

    public String redisPrefix() {
        return redisPrefix;
    }

    public int redisTimeoutMillis() {
        return redisTimeoutMillis;
    }

    public int redisPoolSize() {
        return redisPoolSize;
    }

    /** A readable name for this node; its id is this name plus a random suffix chosen at each start. */
    public String nodeName() {
        return nodeName;
    }

    public int heartbeatMillis() {
        return heartbeatMillis;
    }

    /** How long a node counts as alive after its last heartbeat; after that its sessions are purged. */
    public int nodeTtlMillis() {
        return nodeTtlMillis;
    }

    /** The HS256 key for connection tokens; empty means only container-authenticated users may connect. */
    public String jwtSecret() {
        return jwtSecret;
    }

    /** The bearer key for the REST publish API; empty means the API is disabled. */
    public String apiKey() {
        return apiKey;
    }

    public int apiMaxBodyBytes() {
        return apiMaxBodyBytes;
    }

    /** The most notices one REST request may carry. */
    public int apiMaxNotices() {
        return apiMaxNotices;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * On Tyrus (Payara): the bytes in which the container puts a whole client frame together before Herald sees
     * any of it; herald.war's web.xml hands it to Tyrus as {@code org.glassfish.tyrus.servlet.incoming-buffer-size}.
     */
    public int frameBufferBytes() {
        return frameBufferBytes;
    }

    /** The largest notice payload, in bytes of JSON text. */
    public int maxNoticeBytes() {
        return maxNoticeBytes;
    }

    /**
     * Origins allowed to open a WebSocket: empty allows requests without an Origin header and same-origin
     * requests; {@code *} allows any.
     */
    public Set<String> allowedOrigins() {
        return allowedOrigins;
    }

    /** The most channels one session may be subscribed to. */
    /**
     * How many sessions one user may have open across the cluster ({@code herald.session.max-per-user}); 0: no
     * limit. A new one past it is refused.
     */
    public int sessionMaxPerUser() {
        return sessionMaxPerUser;
    }

    public int sessionMaxChannels() {
        return sessionMaxChannels;
    }

    /**
     * Without an application's {@link dev.herald.ChannelAuthorizer}: the starts of the channel names that any
     * authenticated client may subscribe to, publish on and read the presence of; empty means none.
     */
    public List<String> openChannelPrefixes() {
        return openChannelPrefixes;
    }

    /**
     * Without an application's {@link dev.herald.ChannelAuthorizer}: the starts of the channel names whose
     * subscribers are told when a user joins and leaves; empty means none.
     */
    public List<String> joinLeavePrefixes() {
        return joinLeavePrefixes;
    }

    /**
     * How long a user's leave of a channel waits for another session of theirs to join it again (a page reload),
     * so that the other subscribers see neither the leave nor the join; presence drops the session at once.
     */
    public int leaveGraceMillis() {
        return leaveGraceMillis;
    }

    /** The most users a presence answer lists; the session and user counts are always whole. */
    public int presenceMaxUsers() {
        return presenceMaxUsers;
    }

    /** What the streams keep of notices to users and channels ({@code herald.history.*}). */
    public dev.herald.engine.History.Retention retention() {
        return retention;
    }

    /**
     * How long after a transaction commits its notices are retried when they cannot be sent
     * ({@code herald.tx.retry-for}, milliseconds); then they are logged as lost.
     */
    public int txRetryForMillis() {
        return txRetryForMillis;
    }

    /** The most notices one resume replays ({@code herald.history.replay-max}); a longer gap is not recovered. */
    public int replayMax() {
        return replayMax;
    }

    /**
     * The most local deliveries of the channel and broadcast notices of one engine message that the subscriber
     * thread makes itself; a bigger message, and every message after it while it is in progress, goes to the
     * fan-out thread.
     */
    public int fanoutInlineMax() {
        return fanoutInlineMax;
    }

    public int idleTimeoutMillis() {
        return idleTimeoutMillis;
    }

    /** How long a connection may stay open without a token before it sends its {@code auth} frame. */
    public int authTimeoutMillis() {
        return authTimeoutMillis;
    }

    public int pingIntervalMillis() {
        return pingIntervalMillis;
    }

    /** How many frames may wait for one session before it is closed as too slow. */
    public int sessionQueueLimit() {
        return sessionQueueLimit;
    }

    /** How many characters of frames may wait for one session before it is closed as too slow. */
    public int sessionBufferLimit() {
        return sessionBufferLimit;
    }

    /** How long one send to a session may stay in flight before the session is closed as too slow. */
    public int sessionSendTimeoutMillis() {
        return sessionSendTimeoutMillis;
    }

    /**
     * Whether frames may be written through the container's own raw frame API where Herald has a fast path for
     * it (Tyrus, on Payara and GlassFish) rather than the standard WebSocket API.
     */
    public boolean rawFrames() {
        return rawFrames;
    }

    /**
     * Whether the demo page may mint tokens for any user name and send notices without the API key. Never in
     * production.
     */
    public boolean demo() {
        return demo;
    }

    /** The effective settings with secrets masked, for the startup log line. */
    public String describe() {
        return "redis=" + (usesRedis() ? maskPassword(redisUrl) : "(none: in-memory engine)")
                + ", prefix=" + redisPrefix + ", node=" + nodeName
                + ", heartbeat=" + heartbeatMillis + "ms, ttl=" + nodeTtlMillis + "ms"
                + ", jwt=" + (jwtSecret.isEmpty() ? "off" : "on") + ", api=" + (apiKey.isEmpty() ? "off" : "on")
                + ", queueLimit=" + sessionQueueLimit + ", maxFrame=" + maxFrameBytes
                + ", history=" + retention.userSize() + "/user " + retention.channelSize() + "/channel"
                + ", allowedOrigins=" + (allowedOrigins.isEmpty() ? "(same origin)" : allowedOrigins)
                + (demo ? ", DEMO MODE (anyone may connect as anyone)" : "");
    }

    private static String maskPassword(String url) {
        return url.replaceFirst("//[^@/]*@", "//***@").replaceAll("((?:sentinel|truststore|keystore)-password=)[^&]*", "$1***");
    }

    /** Reads and validates single keys; every error names the key. */
    private static final class Reader {
        private final UnaryOperator<String> source;

        Reader(UnaryOperator<String> source) {
            this.source = source;
        }

        /** A list of starts of channel names, each checked against the characters of a name. */
        List<String> channelPrefixes(String key) {
            List<String> prefixes = List.copyOf(list(key));
            for (String prefix : prefixes) {
                if (!prefix.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || "._-:/@=".indexOf(c) >= 0))) {
                    throw invalid(key, "'" + prefix + "' is not the start of a channel name");
                }
            }
            return prefixes;
        }

        String raw(String key) {
            String value = source.apply(key);
            return value == null ? DEFAULTS.get(key) : value.trim();
        }

        String nonEmpty(String key) {
            String value = raw(key);
            if (value.isEmpty()) {
                throw invalid(key, "must not be empty");
            }
            return value;
        }

        String matching(String key, Pattern pattern, String expected) {
            String value = raw(key);
            if (!pattern.matcher(value).matches()) {
                throw invalid(key, "must be " + expected + " but was '" + value + "'");
            }
            return value;
        }

        boolean bool(String key) {
            String value = raw(key);
            if (!"true".equals(value) && !"false".equals(value)) {
                throw invalid(key, "must be true or false but was '" + value + "'");
            }
            return Boolean.parseBoolean(value);
        }

        int integer(String key, int min, int max) {
            String value = raw(key);
            int parsed;
            try {
                parsed = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw invalid(key, "must be a whole number but was '" + value + "'");
            }
            if (parsed < min || parsed > max) {
                throw invalid(key, "must be between " + min + " and " + max + " but was " + parsed);
            }
            return parsed;
        }

        Set<String> list(String key) {
            String value = raw(key);
            if (value.isEmpty()) {
                return Set.of();
            }
            List<String> items = new ArrayList<>();
            for (String item : Arrays.asList(value.split(","))) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
            return Set.copyOf(items);
        }

        String redisUrl(String key) {
            String value = raw(key);
            if (value.isEmpty()) {
                return value;
            }
            boolean sentinel = value.startsWith("redis-sentinel://") || value.startsWith("rediss-sentinel://");
            if (sentinel || value.startsWith("redis-cluster://") || value.startsWith("rediss-cluster://")) {
                try {
                    dev.herald.engine.Engine.checkRedisUrl(value);
                } catch (IllegalArgumentException e) {
                    throw invalid(key, "is not a " + (sentinel
                            ? "redis[s]-sentinel://[user:password@]host:port[,host:port...]/<master-name>"
                            : "redis[s]-cluster://[user:password@]host:port[,host:port...]") + " URL: " + e.getMessage());
                }
                return value;
            }
            try {
                URI uri = new URI(value);
                if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
                    throw invalid(key, "must start with redis://, rediss://, redis-sentinel://, rediss-sentinel://, "
                            + "redis-cluster:// or rediss-cluster:// but was '" + maskPassword(value) + "'");
                }
                if (uri.getHost() == null) {
                    throw invalid(key, "has no host: '" + maskPassword(value) + "'");
                }
                try {
                    dev.herald.engine.Engine.checkRedisUrl(value);
                } catch (IllegalArgumentException e) {
                    throw invalid(key, "is not a redis[s]://[user:password@]host:port[/db] URL: " + e.getMessage());
                }
            } catch (URISyntaxException e) {
                throw invalid(key, "is not a URL: " + e.getReason());
            }
            return value;
        }

        IllegalArgumentException invalid(String key, String problem) {
            return new IllegalArgumentException("Herald configuration: " + key + " (or " + envName(key) + ") "
                    + problem);
        }
    }
}

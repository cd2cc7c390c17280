package dev.herald.engine;

import dev.herald.HeraldUnavailableException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Logger;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisSentinelPool;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.Pool;

/**
 * Where Redis is, from {@code herald.redis.url}: one server ({@code redis://}, {@code rediss://}), or the master
 * that Redis Sentinel names ({@code redis-sentinel://[user:password@]host:port[,host:port...]/<master-name>}, with
 * {@code ?sentinel-user=&sentinel-password=} when the sentinels have credentials of their own and
 * {@code ?database=N}). It hands out pooled connections and the subscriber's own connection, both to the current
 * master: with Sentinel, Jedis's pool listens to the sentinels' {@code +switch-master} and moves its connections to
 * the new master; the subscriber asks {@link #master} where to go each time it connects.
 *
 * <p>With Sentinel the pool is made on first use, so that a node starts while no sentinel answers (its calls fail
 * with {@link HeraldUnavailableException} until one does). Thread safe.
 */
final class RedisTarget implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RedisTarget.class.getName());

    private final URI single;
    private final String masterName;
    private final Set<HostAndPort> sentinels;
    private final JedisClientConfig masterConfig;
    private final JedisClientConfig sentinelConfig;
    private final GenericObjectPoolConfig<Jedis> poolConfig;
    private final int timeoutMillis;
    private volatile Pool<Jedis> pool;

    private RedisTarget(URI single, String masterName, Set<HostAndPort> sentinels, JedisClientConfig masterConfig,
            JedisClientConfig sentinelConfig, GenericObjectPoolConfig<Jedis> poolConfig, int timeoutMillis) {
        this.single = single;
        this.masterName = masterName;
        this.sentinels = sentinels;
        this.masterConfig = masterConfig;
        this.sentinelConfig = sentinelConfig;
        this.poolConfig = poolConfig;
        this.timeoutMillis = timeoutMillis;
        if (single != null) {
            pool = new JedisPool(poolConfig, single, timeoutMillis, timeoutMillis);
        }
    }

    /**
     * The target {@code url} names, with pools of {@code poolSize} connections whose calls time out after
     * {@code timeoutMillis}.
     *
     * @throws IllegalArgumentException when the URL is not one of the forms above
     */
    static RedisTarget of(String url, int timeoutMillis, int poolSize) {
        GenericObjectPoolConfig<Jedis> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMinIdle(0);
        pool.setMaxWait(java.time.Duration.ofMillis(timeoutMillis));
        pool.setJmxEnabled(false);
        if (!url.startsWith("redis-sentinel://")) {
            return new RedisTarget(URI.create(url), null, null, null, null, pool, timeoutMillis);
        }
        String rest = url.substring("redis-sentinel://".length());
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        if (slash < 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("a redis-sentinel:// URL ends with /<master-name>");
        }
        String master = decode(rest.substring(slash + 1));
        String authority = rest.substring(0, slash);
        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String credentials = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = credentials.indexOf(':');
            user = colon < 0 ? null : emptyToNull(decode(credentials.substring(0, colon)));
            password = decode(colon < 0 ? credentials : credentials.substring(colon + 1));
        }
        Set<HostAndPort> hosts = new LinkedHashSet<>();
        for (String host : authority.split(",", -1)) {
            if (host.isBlank() || host.startsWith(":")) {
                throw new IllegalArgumentException("a sentinel address is empty");
            }
            int colon = host.lastIndexOf(':');
            try {
                hosts.add(colon < 0 ? new HostAndPort(host, 26379)
                        : new HostAndPort(host.substring(0, colon), Integer.parseInt(host.substring(colon + 1))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad sentinel port in '" + host + "'");
            }
        }
        Map<String, String> params = params(query);
        int database = Integer.parseInt(params.getOrDefault("database", "0"));
        JedisClientConfig masterConfig = DefaultJedisClientConfig.builder().user(user).password(password)
                .database(database).connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis)
                .build();
        JedisClientConfig sentinelConfig = DefaultJedisClientConfig.builder()
                .user(emptyToNull(params.get("sentinel-user"))).password(emptyToNull(params.get("sentinel-password")))
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis).build();
        return new RedisTarget(null, master, hosts, masterConfig, sentinelConfig, pool, timeoutMillis);
    }

    private static Map<String, String> params(String query) {
        Map<String, String> params = new TreeMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (!Set.of("sentinel-user", "sentinel-password", "database").contains(key)) {
                throw new IllegalArgumentException("unknown parameter '" + key
                        + "' (known: sentinel-user, sentinel-password, database)");
            }
            params.put(key, eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return params;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Whether the master may change under a running node (Sentinel): then a stream's epoch follows it. */
    boolean followsFailover() {
        return single == null;
    }

    /**
     * The pool of connections to the current master.
     *
     * @throws HeraldUnavailableException when no sentinel answers (Sentinel, before the first success)
     */
    Pool<Jedis> pool() {
        Pool<Jedis> p = pool;
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (pool == null) {
                try {
                    pool = new JedisSentinelPool(masterName, sentinels, poolConfig, masterConfig, sentinelConfig);
                    LOG.info(() -> "Redis Sentinel: master " + masterName + " at " + master());
                } catch (JedisException e) {
                    throw new HeraldUnavailableException("no sentinel of " + sentinels + " names the master '"
                            + masterName + "': " + e.getMessage(), e);
                }
            }
            return pool;
        }
    }

    /** Where the current master is; {@code null} for one server. */
    HostAndPort master() {
        return pool() instanceof JedisSentinelPool sentinel ? sentinel.getCurrentHostMaster() : null;
    }

    /**
     * A new connection to {@code master} (what {@link #master} said; ignored for one server) whose reads time out
     * after {@code readTimeoutMillis}.
     */
    Jedis connect(HostAndPort master, int readTimeoutMillis) {
        if (single != null) {
            return new Jedis(single, readTimeoutMillis);
        }
        return new Jedis(master, DefaultJedisClientConfig.builder().user(masterConfig.getUser())
                .password(masterConfig.getPassword()).database(masterConfig.getDatabase())
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(readTimeoutMillis).build());
    }

    /** Where this is, for a log line: no password. */
    String description() {
        return single != null ? "Redis at " + single.getHost() + ":" + (single.getPort() < 0 ? 6379 : single.getPort())
                : "Redis master '" + masterName + "' of the sentinels " + sentinels;
    }

    @Override
    public void close() {
        Pool<Jedis> p = pool;
        if (p != null) {
            p.close();
        }
    }
}

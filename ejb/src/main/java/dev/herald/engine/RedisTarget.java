package dev.herald.engine;

import dev.herald.HeraldUnavailableException;
import java.io.File;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Logger;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.providers.ConnectionProvider;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.providers.SentineledConnectionProvider;
import redis.clients.jedis.util.JedisURIHelper;
import redis.clients.jedis.util.Pool;

/**
 * Where Redis is, from {@code herald.redis.url}: one server ({@code redis://}, {@code rediss://}), the master that
 * Redis Sentinel names ({@code redis-sentinel://[user:password@]host:port[,host:port...]/<master-name>}, with
 * {@code ?sentinel-user=&sentinel-password=} when the sentinels have credentials of their own and
 * {@code ?database=N}), or a Redis Cluster given by seed nodes
 * ({@code redis-cluster://[user:password@]host:port[,host:port...][?partitions=N]}). Each has its TLS form
 * ({@code rediss://}, {@code rediss-sentinel://}: sentinels and master, {@code rediss-cluster://}: every node),
 * which takes the parameters of {@link #tls}.
 *
 * <p>It hands out one Jedis client for commands, pooled, whatever the kind ({@link #client}): with Sentinel, Jedis
 * listens to the sentinels' {@code +switch-master} and moves its connections to the new master; on a cluster it
 * routes each command by its key's slot and follows {@code MOVED}. The subscriber takes a connection of its own
 * ({@link #connect}) to the node {@link #subscriberNode} names each time it connects.
 *
 * <p>With Sentinel and Cluster the client is made on first use, so that a node starts while no sentinel or seed
 * answers (its calls fail with {@link HeraldUnavailableException} until one does). Thread safe.
 */
final class RedisTarget implements AutoCloseable {

    /** What kind of Redis the URL names. */
    enum Kind { SINGLE, SENTINEL, CLUSTER }

    private static final Logger LOG = Logger.getLogger(RedisTarget.class.getName());
    private static final String SENTINEL_SCHEME = "redis-sentinel://";
    private static final String CLUSTER_SCHEME = "redis-cluster://";
    private static final String TLS_SENTINEL_SCHEME = "rediss-sentinel://";
    private static final String TLS_CLUSTER_SCHEME = "rediss-cluster://";
    /** The URL parameters of every TLS scheme. */
    private static final Set<String> TLS_PARAMS = Set.of("truststore", "truststore-password", "keystore",
            "keystore-password", "verify");

    private final Kind kind;
    private final Set<HostAndPort> hosts;
    private final String masterName;
    private final JedisClientConfig config;
    private final JedisClientConfig sentinelConfig;
    private final GenericObjectPoolConfig<Connection> poolConfig;
    private final int timeoutMillis;
    private volatile ConnectionProvider provider;
    private volatile UnifiedJedis client;
    private int partitions;

    private RedisTarget(Kind kind, Set<HostAndPort> hosts, String masterName, JedisClientConfig config,
            JedisClientConfig sentinelConfig, GenericObjectPoolConfig<Connection> poolConfig, int timeoutMillis) {
        this.kind = kind;
        this.hosts = hosts;
        this.masterName = masterName;
        this.config = config;
        this.sentinelConfig = sentinelConfig;
        this.poolConfig = poolConfig;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * The target {@code url} names, with pools of {@code poolSize} connections (per node, on a cluster) whose calls
     * time out after {@code timeoutMillis}.
     *
     * @throws IllegalArgumentException when the URL is not one of the forms above
     */
    static RedisTarget of(String url, int timeoutMillis, int poolSize) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMinIdle(0);
        pool.setMaxWait(Duration.ofMillis(timeoutMillis));
        pool.setJmxEnabled(false);
        if (url.startsWith(SENTINEL_SCHEME) || url.startsWith(TLS_SENTINEL_SCHEME)) {
            boolean tls = url.startsWith(TLS_SENTINEL_SCHEME);
            return sentinel(url.substring(tls ? TLS_SENTINEL_SCHEME.length() : SENTINEL_SCHEME.length()), tls, pool,
                    timeoutMillis);
        }
        if (url.startsWith(CLUSTER_SCHEME) || url.startsWith(TLS_CLUSTER_SCHEME)) {
            boolean tls = url.startsWith(TLS_CLUSTER_SCHEME);
            return cluster(url.substring(tls ? TLS_CLUSTER_SCHEME.length() : CLUSTER_SCHEME.length()), tls, pool,
                    timeoutMillis);
        }
        URI uri = URI.create(url);
        if (!JedisURIHelper.isValid(uri)) {
            throw new IllegalArgumentException("a Redis URL is redis://, rediss://, " + SENTINEL_SCHEME + ", "
                    + TLS_SENTINEL_SCHEME + ", " + CLUSTER_SCHEME + " or " + TLS_CLUSTER_SCHEME);
        }
        boolean tls = JedisURIHelper.isRedisSSLScheme(uri);
        Map<String, String> params = params(uri.getRawQuery() == null ? "" : uri.getRawQuery(),
                tls ? TLS_PARAMS : Set.of());
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().user(JedisURIHelper.getUser(uri))
                .password(JedisURIHelper.getPassword(uri)).database(JedisURIHelper.getDBIndex(uri))
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis);
        if (tls) {
            tls(config, params);
        }
        return new RedisTarget(Kind.SINGLE, Set.of(JedisURIHelper.getHostAndPort(uri)), null, config.build(), null,
                pool, timeoutMillis);
    }

    /**
     * Sets TLS on {@code config} from the URL's parameters: {@code truststore} (a PKCS12 or JKS file of the
     * certificates to trust; without it, the JVM's own trust store, as {@code javax.net.ssl.trustStore} sets it),
     * {@code keystore} (the client's certificate and key, for a Redis with {@code tls-auth-clients yes}), their
     * {@code -password}s, and {@code verify}: {@code full} (the default: the certificate must name the host
     * connected to) or {@code ca} (signed by a trusted CA, whatever host it names).
     */
    private static void tls(DefaultJedisClientConfig.Builder config, Map<String, String> params) {
        SslOptions.Builder ssl = SslOptions.builder();
        String truststore = params.get("truststore");
        if (truststore != null) {
            ssl.truststore(readable(truststore, "truststore"), password(params.get("truststore-password")));
        }
        String keystore = params.get("keystore");
        if (keystore != null) {
            ssl.keystore(readable(keystore, "keystore"), password(params.get("keystore-password")));
        }
        String verify = params.getOrDefault("verify", "full");
        ssl.sslVerifyMode(switch (verify) {
            case "full" -> SslVerifyMode.FULL;
            case "ca" -> SslVerifyMode.CA;
            default -> throw new IllegalArgumentException("verify is full or ca, not '" + verify + "'");
        });
        config.ssl(true).sslOptions(ssl.build());
    }

    private static File readable(String path, String what) {
        File file = new File(path);
        if (!file.canRead()) {
            throw new IllegalArgumentException("the " + what + " '" + path + "' cannot be read");
        }
        return file;
    }

    private static char[] password(String password) {
        return password == null ? null : password.toCharArray();
    }

    /** A URL's part after its scheme, cut at its {@code ?}: the address part and the query (empty without one). */
    private record Parts(String address, String query) {

        static Parts of(String rest) {
            int q = rest.indexOf('?');
            return q < 0 ? new Parts(rest, "") : new Parts(rest.substring(0, q), rest.substring(q + 1));
        }
    }

    private static RedisTarget sentinel(String url, boolean tls, GenericObjectPoolConfig<Connection> pool,
            int timeoutMillis) {
        Parts parts = Parts.of(url);
        String rest = parts.address();
        String query = parts.query();
        int slash = rest.indexOf('/');
        if (slash < 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("a " + SENTINEL_SCHEME + " URL ends with /<master-name>");
        }
        String master = decode(rest.substring(slash + 1));
        Authority authority = Authority.of(rest.substring(0, slash), 26379, "sentinel");
        Set<String> known = new HashSet<>(Set.of("sentinel-user", "sentinel-password", "database"));
        if (tls) {
            known.addAll(TLS_PARAMS);
        }
        Map<String, String> params = params(query, known);
        int database;
        try {
            database = Integer.parseInt(params.getOrDefault("database", "0"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("database is a number, not '" + params.get("database") + "'");
        }
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().user(authority.user)
                .password(authority.password).database(database).connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis);
        DefaultJedisClientConfig.Builder sentinelConfig = DefaultJedisClientConfig.builder()
                .user(emptyToNull(params.get("sentinel-user"))).password(emptyToNull(params.get("sentinel-password")))
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis);
        if (tls) {
            tls(config, params);
            tls(sentinelConfig, params);
        }
        return new RedisTarget(Kind.SENTINEL, authority.hosts, master, config.build(), sentinelConfig.build(), pool,
                timeoutMillis);
    }

    private static RedisTarget cluster(String url, boolean tls, GenericObjectPoolConfig<Connection> pool,
            int timeoutMillis) {
        Parts parts = Parts.of(url);
        String rest = parts.address();
        String query = parts.query();
        if (rest.contains("/")) {
            throw new IllegalArgumentException("a " + CLUSTER_SCHEME + " URL is seed nodes, no path (a cluster has "
                    + "no databases)");
        }
        Authority authority = Authority.of(rest, 6379, "seed node");
        Set<String> known = new HashSet<>(Set.of("partitions"));
        if (tls) {
            known.addAll(TLS_PARAMS);
        }
        Map<String, String> params = params(query, known);
        String value = params.getOrDefault("partitions", String.valueOf(DEFAULT_PARTITIONS));
        int partitions;
        try {
            partitions = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            partitions = -1;
        }
        if (partitions < 1 || partitions > 1024) {
            throw new IllegalArgumentException("partitions must be 1 to 1024, not '" + value + "'");
        }
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().user(authority.user)
                .password(authority.password).connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis);
        if (tls) {
            tls(config, params);
        }
        RedisTarget target = new RedisTarget(Kind.CLUSTER, authority.hosts, null, config.build(), null, pool,
                timeoutMillis);
        target.partitions = partitions;
        return target;
    }

    /** How many partitions users are grouped into on a cluster, unless the URL says {@code ?partitions=N}. */
    static final int DEFAULT_PARTITIONS = 32;

    /** On a cluster, how many partitions users are grouped into (see {@link RedisKeys}); 0 elsewhere. */
    int partitions() {
        return partitions;
    }

    /** {@code [user:password@]host:port[,host:port...]}, decoded. */
    private record Authority(String user, String password, Set<HostAndPort> hosts) {

        static Authority of(String authority, int defaultPort, String what) {
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
                    throw new IllegalArgumentException("a " + what + " address is empty");
                }
                int colon = host.lastIndexOf(':');
                try {
                    hosts.add(colon < 0 ? new HostAndPort(host, defaultPort)
                            : new HostAndPort(host.substring(0, colon), Integer.parseInt(host.substring(colon + 1))));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad " + what + " port in '" + host + "'");
                }
            }
            return new Authority(user, password, java.util.Collections.unmodifiableSet(hosts));
        }
    }

    private static Map<String, String> params(String query, Set<String> known) {
        Map<String, String> params = new TreeMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown parameter '" + key + "' (known: "
                        + String.join(", ", new TreeSet<>(known)) + ")");
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

    Kind kind() {
        return kind;
    }

    /**
     * Whether the master of a key may change under a running node (Sentinel, Cluster): then a stream's epoch
     * follows it.
     */
    boolean followsFailover() {
        return kind != Kind.SINGLE;
    }

    /**
     * The client for commands.
     *
     * @throws HeraldUnavailableException when no sentinel or seed node answers (before the first success)
     */
    UnifiedJedis client() {
        UnifiedJedis c = client;
        return c != null ? c : open();
    }

    private synchronized UnifiedJedis open() {
        if (client != null) {
            return client;
        }
        try {
            client = switch (kind) {
                case SINGLE -> {
                    PooledConnectionProvider p = new PooledConnectionProvider(hosts.iterator().next(), config,
                            poolConfig);
                    provider = p;
                    yield new UnifiedJedis(p);
                }
                case SENTINEL -> {
                    SentineledConnectionProvider p = new SentineledConnectionProvider(masterName, config, poolConfig,
                            hosts, sentinelConfig);
                    provider = p;
                    LOG.info(() -> "Redis Sentinel: master " + masterName + " at " + p.getCurrentMaster());
                    yield new UnifiedJedis(p);
                }
                case CLUSTER -> {
                    ClusterConnectionProvider p = new ClusterConnectionProvider(hosts, config, poolConfig);
                    provider = p;
                    // RedisClusterClient: its pipelines route each command by slot (a plain UnifiedJedis's do not).
                    UnifiedJedis cluster = RedisClusterClient.builder().nodes(hosts).connectionProvider(p)
                            .clientConfig(config).maxAttempts(5).maxTotalRetriesDuration(Duration.ofMillis(4L * timeoutMillis)).build();
                    LOG.info(() -> "Redis Cluster: masters " + p.getPrimaryNodes().keySet());
                    yield cluster;
                }
            };
        } catch (JedisException e) {
            throw new HeraldUnavailableException(switch (kind) {
                case SINGLE -> "Redis unreachable: ";
                case SENTINEL -> "no sentinel of " + hosts + " names the master '" + masterName + "': ";
                case CLUSTER -> "no seed node of " + hosts + " answers as a Redis Cluster: ";
            } + e.getMessage(), e);
        }
        return client;
    }

    /**
     * Drops every idle pooled connection: after one failed, the others to that server are as dead (it restarted
     * or became a replica), and the calls after it is back should open fresh ones instead of failing once each.
     */
    void dropIdle() {
        ConnectionProvider p = provider;
        if (p != null) {
            p.getConnectionMap().values().forEach(pool -> {
                if (pool instanceof Pool<?> idle) {
                    idle.clear();
                }
            });
        }
        slotsMoved();
    }

    /**
     * On a cluster, reads which master serves which slot again: a pipeline (unlike a single command) does not
     * follow {@code MOVED} nor learn of a failover by itself.
     */
    void slotsMoved() {
        if (provider instanceof ClusterConnectionProvider cluster) {
            try {
                cluster.renewSlotCache();
            } catch (JedisException e) {
                LOG.fine(() -> "Redis Cluster: the slots could not be read again yet: " + e.getMessage());
            }
        }
    }

    /**
     * Where a cluster pipeline syncs the replies of its masters: in the calling thread, one master after the
     * other (the commands are all written before the first reply is read), so that no pipeline starts threads of
     * its own, which Jedis otherwise does for each pipeline that spans masters.
     */
    static final java.util.concurrent.ExecutorService CALLER_RUNS = new java.util.concurrent.AbstractExecutorService() {
        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) {
            return false;
        }
    };

    /** A pipeline on the client: on a cluster, one that syncs in the calling thread ({@link #CALLER_RUNS}). */
    AbstractPipeline pipelined(UnifiedJedis c) {
        return c instanceof RedisClusterClient cluster ? cluster.pipelined(CALLER_RUNS) : c.pipelined();
    }

    /**
     * The node the subscriber connects to now: the server, the current master, or on a cluster one of its masters
     * (any: classic pub/sub reaches every node of a cluster), a different one after {@code failed}, when it can.
     */
    HostAndPort subscriberNode(HostAndPort failed) {
        client();
        try {
            return switch (kind) {
                case SINGLE -> hosts.iterator().next();
                case SENTINEL -> ((SentineledConnectionProvider) provider).getCurrentMaster();
                case CLUSTER -> {
                    ClusterConnectionProvider p = (ClusterConnectionProvider) provider;
                    if (failed != null) {
                        p.renewSlotCache();
                    }
                    List<HostAndPort> masters = p.getPrimaryNodes().keySet().stream().map(HostAndPort::from)
                            .sorted(java.util.Comparator.comparing(HostAndPort::toString)).toList();
                    if (masters.isEmpty()) {
                        throw new HeraldUnavailableException("the Redis Cluster names no master", null);
                    }
                    yield masters.stream().filter(m -> !m.equals(failed)).findFirst().orElse(masters.get(0));
                }
            };
        } catch (JedisException e) {
            throw new HeraldUnavailableException("Redis unreachable: " + e.getMessage(), e);
        }
    }

    /** On a cluster, the master that serves {@code key}'s slot now, as the client last read the slot map. */
    HostAndPort ownerOf(String key) {
        client();
        return ((ClusterConnectionProvider) provider).getNode(redis.clients.jedis.util.JedisClusterCRC16.getSlot(key));
    }

    /** Where commands for keys go now, for a log line and the failover check: the master; {@code null} else. */
    HostAndPort master() {
        client();
        return kind == Kind.SENTINEL ? ((SentineledConnectionProvider) provider).getCurrentMaster() : null;
    }

    /** A new connection to {@code node} (what {@link #subscriberNode} said) whose reads time out after {@code readTimeoutMillis}. */
    Connection connect(HostAndPort node, int readTimeoutMillis) {
        return new Connection(node, DefaultJedisClientConfig.builder().from(config)
                .socketTimeoutMillis(readTimeoutMillis).build());
    }

    /** Where this is, for a log line: no password. */
    String description() {
        return switch (kind) {
            case SINGLE -> "Redis at " + hosts.iterator().next();
            case SENTINEL -> "Redis master '" + masterName + "' of the sentinels " + hosts;
            case CLUSTER -> "Redis Cluster seeded by " + hosts;
        };
    }

    @Override
    public void close() {
        UnifiedJedis c = client;
        if (c != null) {
            c.close();
        }
    }
}

package dev.herald.node;

import dev.herald.ChannelAuthorizer;
import dev.herald.engine.Engine;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.enterprise.concurrent.ContextService;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Logger;

/**
 * This server's Herald node, started with the deployment: reads and validates the configuration (a bad value
 * fails the deployment with a message naming the key), picks the engine, and runs the {@link Node} on the
 * container's managed threads until undeployment.
 *
 * <p>Bean-managed concurrency: the {@link Node} is thread safe, so no container lock is taken per call.
 */
@Singleton
@Startup
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class HeraldNode {

    private static final Logger LOG = Logger.getLogger(HeraldNode.class.getName());

    @Resource
    private ManagedThreadFactory threads;

    @Resource
    private ContextService context;

    @Resource
    private ManagedScheduledExecutorService scheduler;

    @Resource
    private ManagedExecutorService executor;

    @Resource
    private jakarta.transaction.TransactionSynchronizationRegistry transactions;

    @Inject
    private BeanManager beans;

    /** Fires the session and publish events to the application's observers. */
    @Inject
    private Event<Object> events;

    /** The application's channel authorizer, if it provides one (see {@link ChannelAuthorizer}). */
    @Inject
    private Instance<ChannelAuthorizer> authorizers;

    private Node node;

    @PostConstruct
    void start() {
        HeraldConfig config = HeraldConfig.fromEnvironment();
        Engine engine;
        if (config.usesRedis()) {
            engine = Engine.redis(config.redisUrl(), config.redisPrefix(), config.redisTimeoutMillis(),
                    config.redisPoolSize(), config.nodeTtlMillis(), config.retention());
        } else {
            LOG.info("No herald.redis.url (HERALD_REDIS_URL) set: using the in-memory engine, a single node "
                    + "with no cluster; set it to run several nodes");
            engine = Engine.memory(config.retention());
        }
        ThreadFactory subscriberThreads = config.rawFrames()
                ? GrizzlyWorkerThreads.orElse(threads, context, threads, scheduler, executor)
                : threads;
        ChannelAuthorizer authorizer = null;
        if (authorizers.isResolvable()) {
            authorizer = authorizers.get();
            LOG.info("Channels are authorized by the application's " + authorizer.getClass().getName());
        } else if (authorizers.isAmbiguous()) {
            throw new IllegalStateException("more than one ChannelAuthorizer bean: Herald needs exactly one");
        } else {
            LOG.info(() -> "No ChannelAuthorizer bean: clients may use the channels that herald.channels.open opens "
                    + (config.openChannelPrefixes().isEmpty() ? "(none)" : config.openChannelPrefixes().toString()));
        }
        node = new Node(config, engine, authorizer, subscriberThreads, scheduler, executor);
        node.events(CdiEvents.of(beans, events, executor));
        node.transactions(transactions);
        node.start();
    }

    @PreDestroy
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** The running node. */
    public Node node() {
        return node;
    }
}

package dev.herald.node;

import jakarta.enterprise.concurrent.ContextService;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Makes Herald's subscriber thread a Grizzly worker thread with a buffer pool of its own, where the server is
 * Grizzly's (Payara), so that the frames it writes do not each cost a fresh buffer.
 *
 * <p>Grizzly's HTTP {@code OutputBuffer} takes a buffer of 8 KB from its {@code HeapMemoryManager} for every
 * write; the memory manager slices it from a thread-local pool only when the writing thread is a Grizzly
 * {@code DefaultWorkerThread}, and otherwise allocates a new array. Herald's subscriber thread writes every
 * frame a node delivers: on Payara that was three quarters of all bytes allocated during a broadcast. The
 * classes are reached by reflection through the class loader of the container's own objects (Herald never
 * links against Grizzly); where they cannot be reached, or the memory manager keeps no thread-local pools,
 * the container's managed thread factory is used as before. The thread runs its task inside the container
 * context captured by the {@link ContextService}.
 */
final class GrizzlyWorkerThreads implements ThreadFactory {

    private static final Logger LOG = Logger.getLogger(GrizzlyWorkerThreads.class.getName());
    private static final String MEMORY_MANAGER = "org.glassfish.grizzly.memory.MemoryManager";

    private final Object memoryManager;
    private final Method createPool;
    private final Constructor<?> workerThread;
    private final Object attributes;
    private final ContextService context;
    private final ClassLoader appLoader;
    private final ThreadFactory fallback;

    private GrizzlyWorkerThreads(Object memoryManager, Method createPool, Constructor<?> workerThread,
            Object attributes, ContextService context, ClassLoader appLoader, ThreadFactory fallback) {
        this.fallback = fallback;
        this.memoryManager = memoryManager;
        this.createPool = createPool;
        this.workerThread = workerThread;
        this.attributes = attributes;
        this.context = context;
        this.appLoader = appLoader;
    }

    /**
     * Grizzly worker threads where Grizzly's heap memory manager is found through the class loader of one of
     * {@code containerObjects}; otherwise {@code fallback}.
     */
    static ThreadFactory orElse(ThreadFactory fallback, ContextService context, Object... containerObjects) {
        for (Object o : containerObjects) {
            if (o == null) {
                continue;
            }
            try {
                Class<?> managerType = Class.forName(MEMORY_MANAGER, true, o.getClass().getClassLoader());
                Object manager = managerType.getField("DEFAULT_MEMORY_MANAGER").get(null);
                ClassLoader grizzly = manager.getClass().getClassLoader();
                Class<?> provider = Class.forName("org.glassfish.grizzly.memory.ThreadLocalPoolProvider", true,
                        grizzly);
                if (!provider.isInstance(manager)) {
                    LOG.info(() -> "Grizzly's memory manager " + manager.getClass().getName()
                            + " keeps no thread-local pools: the subscriber runs on a managed thread");
                    return fallback;
                }
                Class<?> builder = Class.forName("org.glassfish.grizzly.attributes.AttributeBuilder", true, grizzly);
                Class<?> pool = Class.forName("org.glassfish.grizzly.memory.ThreadLocalPool", true, grizzly);
                Class<?> worker = Class.forName("org.glassfish.grizzly.threadpool.DefaultWorkerThread", true,
                        grizzly);
                GrizzlyWorkerThreads threads = new GrizzlyWorkerThreads(manager,
                        provider.getMethod("createThreadLocalPool"),
                        worker.getConstructor(builder, String.class, pool, Runnable.class),
                        builder.getField("DEFAULT_ATTRIBUTE_BUILDER").get(null), context,
                        Thread.currentThread().getContextClassLoader(), fallback);
                LOG.info("The Redis subscriber runs on a Grizzly worker thread with its own buffer pool, so that "
                        + "the frames it writes reuse buffers (herald.ws.raw-frames=false turns this off)");
                return threads;
            } catch (ClassNotFoundException e) {
                // not this loader, or not a Grizzly server
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                LOG.log(Level.INFO, "Grizzly found but its worker threads are out of reach: the subscriber runs on "
                        + "a managed thread", e);
                return fallback;
            }
        }
        return fallback;
    }

    @Override
    public Thread newThread(Runnable task) {
        try {
            Runnable contextual = context == null ? task : context.createContextualProxy(task, Runnable.class);
            Thread thread = (Thread) workerThread.newInstance(attributes, "herald",
                    createPool.invoke(memoryManager), contextual);
            thread.setContextClassLoader(appLoader);
            thread.setDaemon(true);
            return thread;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "Could not make a Grizzly worker thread: using a managed thread", e);
            return fallback.newThread(task);
        }
    }
}

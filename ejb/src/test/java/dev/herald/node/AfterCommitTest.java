package dev.herald.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.herald.HeraldUnavailableException;
import dev.herald.engine.Broker;
import dev.herald.Recipient;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AfterCommitTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final FakeTransaction tx = new FakeTransaction();
    private final List<List<String>> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresToCome = new AtomicInteger();
    private final AfterCommit afterCommit = new AfterCommit(tx, p -> {
        if (failuresToCome.getAndDecrement() > 0) {
            throw new HeraldUnavailableException("Redis down (test)", null);
        }
        published.add(p.ids());
    }, scheduler, 2_000);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private static Node.Prepared prepared(String... ids) {
        List<Broker.Outgoing> out = new ArrayList<>();
        for (String id : ids) {
            out.add(new Broker.Outgoing(Recipient.user("alice"), id));
        }
        return new Node.Prepared(List.of(ids), out);
    }

    @Test
    void sendsAtOnceOutsideATransaction() {
        tx.status = Status.STATUS_NO_TRANSACTION;
        afterCommit.send(prepared("a"));
        assertEquals(List.of(List.of("a")), published);
    }

    @Test
    void holdsWhatATransactionSendsUntilItCommitsThenSendsItAllInOrderInOneBatch() {
        afterCommit.send(prepared("a"));
        afterCommit.send(prepared("b", "c"));
        assertEquals(List.of(), published, "nothing before the commit");
        assertEquals(1, tx.synchronizations.size(), "one synchronization per transaction");
        tx.complete(Status.STATUS_COMMITTED);
        assertEquals(List.of(List.of("a", "b", "c")), published);
        assertEquals(3, afterCommit.held());
    }

    @Test
    void sendsNothingOfATransactionThatRolledBack() {
        afterCommit.send(prepared("a"));
        tx.complete(Status.STATUS_ROLLEDBACK);
        assertEquals(List.of(), published);
        assertEquals(1, afterCommit.dropped());
    }

    @Test
    void sendsNothingInATransactionMarkedForRollback() {
        tx.status = Status.STATUS_MARKED_ROLLBACK;
        afterCommit.send(prepared("a"));
        assertEquals(List.of(), published);
        assertEquals(List.of(), tx.synchronizations);
        assertEquals(1, afterCommit.dropped());
    }

    @Test
    void retriesAPublishThatFailedAfterTheCommitWithoutThrowingToTheCommitter() {
        afterCommit.send(prepared("a"));
        failuresToCome.set(2);
        tx.complete(Status.STATUS_COMMITTED); // throws nothing
        await().atMost(Duration.ofSeconds(5)).until(() -> published.size() == 1);
        assertEquals(List.of(List.of("a")), published);
        assertEquals(2, afterCommit.failures());
        assertEquals(0, afterCommit.lost());
    }

    @Test
    void givesUpAfterRetryForAndCountsTheNoticesLost() {
        afterCommit.send(prepared("a", "b"));
        failuresToCome.set(Integer.MAX_VALUE);
        tx.complete(Status.STATUS_COMMITTED);
        await().atMost(Duration.ofSeconds(5)).until(() -> afterCommit.lost() == 2);
        assertEquals(List.of(), published);
        // 250, 500 and 1000 ms fit in 2 s, 2000 more does not: four attempts.
        assertEquals(4, afterCommit.failures());
    }

    /** One transaction on the caller's thread, as the platform's registry shows it. */
    private static final class FakeTransaction implements TransactionSynchronizationRegistry {
        int status = Status.STATUS_ACTIVE;
        final List<Synchronization> synchronizations = new ArrayList<>();
        final Map<Object, Object> resources = new HashMap<>();

        void complete(int outcome) {
            for (Synchronization s : synchronizations) {
                s.beforeCompletion();
            }
            status = outcome;
            for (Synchronization s : synchronizations) {
                s.afterCompletion(outcome);
            }
            status = Status.STATUS_NO_TRANSACTION;
            synchronizations.clear();
            resources.clear();
        }

        @Override
        public Object getTransactionKey() {
            return status == Status.STATUS_NO_TRANSACTION ? null : this;
        }

        @Override
        public void putResource(Object key, Object value) {
            resources.put(key, value);
        }

        @Override
        public Object getResource(Object key) {
            return resources.get(key);
        }

        @Override
        public void registerInterposedSynchronization(Synchronization sync) {
            if (status != Status.STATUS_ACTIVE) {
                throw new IllegalStateException("no active transaction");
            }
            synchronizations.add(sync);
        }

        @Override
        public int getTransactionStatus() {
            return status;
        }

        @Override
        public void setRollbackOnly() {
            status = Status.STATUS_MARKED_ROLLBACK;
        }

        @Override
        public boolean getRollbackOnly() {
            return status == Status.STATUS_MARKED_ROLLBACK;
        }
    }
}

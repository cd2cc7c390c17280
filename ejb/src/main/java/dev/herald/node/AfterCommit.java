package dev.herald.node;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Holds the notices sent inside an active JTA transaction until it commits, and drops them when it rolls back.
 *
 * <p>Strategy: the first send in a transaction registers one interposed synchronization with the platform's
 * {@link TransactionSynchronizationRegistry}, which collects that transaction's notices in the order they were
 * sent; after the commit they are published as one batch, on the committing thread. Notices are stamped and
 * checked when they are sent, so the caller has their ids and an invalid one fails at once. Sent in a
 * transaction marked for rollback, they are dropped at once; outside a transaction (or from another
 * transaction's completion callbacks) they are published at once.
 *
 * <p>A publish that fails after the commit cannot reach the caller, whose transaction is over: it is logged,
 * counted and retried on the scheduler, 250 ms after the failure and then twice as long each time (at most
 * 5 s apart), for {@code herald.tx.retry-for} after the commit; then the notices are logged as lost, with their
 * ids, and counted. A retried batch may be delivered after notices sent later, and, when the first attempt
 * failed part way, some of its notices twice (with the same ids). Thread safe.
 */
final class AfterCommit {

    private static final Logger LOG = Logger.getLogger(AfterCommit.class.getName());
    private static final long FIRST_RETRY_MILLIS = 250;
    private static final long MAX_RETRY_MILLIS = 5_000;

    private final TransactionSynchronizationRegistry transactions;
    private final Consumer<Node.Prepared> publisher;
    private final ScheduledExecutorService scheduler;
    private final long retryForMillis;
    private final LongAdder held = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder lost = new LongAdder();

    /**
     * @param transactions the platform's registry, or {@code null} where there is none (every send is then at once)
     * @param publisher publishes a batch, throwing when the engine cannot take it
     * @param retryForMillis how long after the commit a failed publish is retried
     */
    AfterCommit(TransactionSynchronizationRegistry transactions, Consumer<Node.Prepared> publisher,
            ScheduledExecutorService scheduler, long retryForMillis) {
        this.transactions = transactions;
        this.publisher = publisher;
        this.scheduler = scheduler;
        this.retryForMillis = retryForMillis;
    }

    /**
     * Sends {@code prepared} as the caller's transaction decides: after it commits, never if it rolls back, or at
     * once when the caller is in no active transaction.
     *
     * @throws dev.herald.HeraldUnavailableException only when sent at once and the engine cannot take it
     */
    void send(Node.Prepared prepared) {
        int status = transactions == null ? Status.STATUS_NO_TRANSACTION : transactions.getTransactionStatus();
        switch (status) {
            case Status.STATUS_ACTIVE -> hold(prepared);
            case Status.STATUS_MARKED_ROLLBACK -> {
                dropped.add(prepared.ids().size());
                LOG.fine(() -> "Not sending " + prepared.ids() + ": the transaction is marked for rollback");
            }
            default -> publisher.accept(prepared);
        }
    }

    private void hold(Node.Prepared prepared) {
        @SuppressWarnings("unchecked")
        List<Node.Prepared> batch = (List<Node.Prepared>) transactions.getResource(this);
        if (batch == null) {
            List<Node.Prepared> fresh = new ArrayList<>(2);
            transactions.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                }

                @Override
                public void afterCompletion(int outcome) {
                    completed(fresh, outcome);
                }
            });
            transactions.putResource(this, fresh);
            batch = fresh;
        }
        batch.add(prepared);
        held.add(prepared.ids().size());
    }

    private void completed(List<Node.Prepared> batch, int outcome) {
        Node.Prepared all = merge(batch);
        if (outcome != Status.STATUS_COMMITTED) {
            dropped.add(all.ids().size());
            LOG.fine(() -> "Not sending " + all.ids() + ": the transaction rolled back");
            return;
        }
        attempt(all, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryForMillis), FIRST_RETRY_MILLIS);
    }

    private static Node.Prepared merge(List<Node.Prepared> batch) {
        if (batch.size() == 1) {
            return batch.get(0);
        }
        List<String> ids = new ArrayList<>();
        List<dev.herald.engine.Broker.Outgoing> outgoing = new ArrayList<>();
        for (Node.Prepared p : batch) {
            ids.addAll(p.ids());
            outgoing.addAll(p.outgoing());
        }
        return new Node.Prepared(ids, outgoing);
    }

    /** Publishes {@code all}; on failure retries it after {@code delayMillis} unless that passes {@code deadline}. */
    private void attempt(Node.Prepared all, long deadlineNanos, long delayMillis) {
        try {
            publisher.accept(all);
            return;
        } catch (RuntimeException e) {
            failures.increment();
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis) - deadlineNanos > 0) {
                giveUp(all, e);
                return;
            }
            LOG.log(Level.WARNING, "Could not send " + all.ids().size() + " notices after their transaction "
                    + "committed (" + e.getMessage() + "); retrying in " + delayMillis + " ms");
        }
        try {
            scheduler.schedule(() -> attempt(all, deadlineNanos, Math.min(delayMillis * 2, MAX_RETRY_MILLIS)),
                    delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            giveUp(all, stopping);
        }
    }

    private void giveUp(Node.Prepared all, RuntimeException cause) {
        lost.add(all.ids().size());
        LOG.log(Level.SEVERE, "Lost " + all.ids().size() + " notices sent in a transaction that committed: "
                + "could not send them within herald.tx.retry-for (" + retryForMillis + " ms); ids " + all.ids(),
                cause);
    }

    /** Notices held for a transaction's commit so far. */
    long held() {
        return held.sum();
    }

    /** Notices not sent because their transaction rolled back or was marked for rollback. */
    long dropped() {
        return dropped.sum();
    }

    /** Failed attempts to publish after a commit (each retried or given up). */
    long failures() {
        return failures.sum();
    }

    /** Notices of committed transactions that could not be sent within {@code herald.tx.retry-for}. */
    long lost() {
        return lost.sum();
    }
}

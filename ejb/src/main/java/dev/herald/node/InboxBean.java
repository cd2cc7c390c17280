package dev.herald.node;

import dev.herald.Inbox;
import jakarta.annotation.PostConstruct;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.DependsOn;
import jakarta.ejb.EJB;
import jakarta.ejb.Local;
import jakarta.ejb.Singleton;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/** The {@link Inbox} of this deployment: a thin, lock-free front for this server's {@link Node}. */
@Singleton
@DependsOn("HeraldNode")
@Local(Inbox.class)
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.SUPPORTS)
public class InboxBean implements Inbox {

    @EJB
    private HeraldNode heraldNode;

    private Inbox inbox;

    @PostConstruct
    void init() {
        inbox = heraldNode.node().inbox();
    }

    @Override
    public State state(String user) {
        return inbox.state(user);
    }

    @Override
    public State markRead(String user, long offset) {
        return inbox.markRead(user, offset);
    }
}

package dev.herald.node;

import dev.herald.ChannelPresence;
import dev.herald.Presence;
import dev.herald.UserPresence;
import jakarta.annotation.PostConstruct;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.DependsOn;
import jakarta.ejb.EJB;
import jakarta.ejb.Local;
import jakarta.ejb.Singleton;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/** The {@link Presence} of this deployment: a thin, lock-free front for this server's {@link Node}. */
@Singleton
@DependsOn("HeraldNode")
@Local(Presence.class)
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.SUPPORTS)
public class PresenceBean implements Presence {

    @EJB
    private HeraldNode heraldNode;

    private Presence presence;

    @PostConstruct
    void init() {
        presence = heraldNode.node().presence();
    }

    @Override
    public UserPresence user(String user) {
        return presence.user(user);
    }

    @Override
    public ChannelPresence channel(String channel, String after) {
        return presence.channel(channel, after);
    }

    @Override
    public Totals totals() {
        return presence.totals();
    }
}

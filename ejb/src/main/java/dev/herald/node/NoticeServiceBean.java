package dev.herald.node;

import dev.herald.Notice;
import dev.herald.NoticeService;
import jakarta.annotation.PostConstruct;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.DependsOn;
import jakarta.ejb.EJB;
import jakarta.ejb.Local;
import jakarta.ejb.Singleton;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import java.util.List;

/**
 * The {@link NoticeService} of this deployment: a thin, lock-free front for this server's {@link Node}.
 * Other deployments use the remote view that {@code herald.ear} adds (module herald-remote).
 */
@Singleton
@DependsOn("HeraldNode")
@Local(NoticeService.class)
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.SUPPORTS)
public class NoticeServiceBean implements NoticeService {

    @EJB
    private HeraldNode heraldNode;

    private Node node;

    @PostConstruct
    void init() {
        node = heraldNode.node();
    }

    @Override
    public String send(Notice notice) {
        if (notice == null) {
            throw new dev.herald.InvalidNoticeException("notice must not be null");
        }
        return node.sendAfterCommit(List.of(notice)).get(0);
    }

    @Override
    public String sendNow(Notice notice) {
        if (notice == null) {
            throw new dev.herald.InvalidNoticeException("notice must not be null");
        }
        return node.send(notice);
    }

    @Override
    public void subscribe(String user, String channel) {
        node.subscribe(user, channel, true);
    }

    @Override
    public void unsubscribe(String user, String channel) {
        node.subscribe(user, channel, false);
    }

    @Override
    public List<String> sendAll(List<Notice> notices) {
        if (notices == null) {
            throw new dev.herald.InvalidNoticeException("notices must not be null");
        }
        return node.sendAfterCommit(notices);
    }
}

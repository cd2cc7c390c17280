package dev.herald.node;

import dev.herald.Notice;
import dev.herald.NoticeService;
import dev.herald.Recipient;
import dev.herald.RemoteNoticeService;
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
 * The {@link NoticeService} of this deployment: a thin, lock-free front for this server's {@link Node}. The
 * {@link RemoteNoticeService} methods serve the remote view that {@code herald.ear} adds for other
 * deployments; the WAR alone exposes no remote view, as Payara Micro has no remote EJB container.
 */
@Singleton
@DependsOn("HeraldNode")
@Local(NoticeService.class)
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.SUPPORTS)
public class NoticeServiceBean implements NoticeService, RemoteNoticeService {

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
        return node.send(notice);
    }

    @Override
    public List<String> sendAll(List<Notice> notices) {
        if (notices == null) {
            throw new dev.herald.InvalidNoticeException("notices must not be null");
        }
        return node.sendAll(notices);
    }

    @Override
    public String sendJsonToUser(String user, String event, String dataJson) {
        return send(new Notice(Recipient.user(user), event, node.codec().read(dataJson, "data")));
    }

    @Override
    public String sendJsonToSession(String sessionId, String event, String dataJson) {
        return send(new Notice(Recipient.session(sessionId), event, node.codec().read(dataJson, "data")));
    }

    @Override
    public String sendJsonToAll(String event, String dataJson) {
        return send(new Notice(Recipient.all(), event, node.codec().read(dataJson, "data")));
    }
}

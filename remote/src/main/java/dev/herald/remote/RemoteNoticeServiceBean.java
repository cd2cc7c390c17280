package dev.herald.remote;

import dev.herald.Notice;
import dev.herald.NoticeService;
import dev.herald.Recipient;
import dev.herald.RemoteNoticeService;
import dev.herald.engine.NoticeCodec;
import jakarta.ejb.EJB;
import jakarta.ejb.Remote;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.json.JsonValue;

/**
 * {@link RemoteNoticeService} at
 * {@code java:global/herald/herald-remote/RemoteNoticeServiceBean!dev.herald.RemoteNoticeService}: parses the
 * JSON payload and hands the notice to this application's {@link NoticeService}.
 */
@Stateless
@Remote(RemoteNoticeService.class)
@TransactionAttribute(TransactionAttributeType.SUPPORTS)
public class RemoteNoticeServiceBean implements RemoteNoticeService {

    private final NoticeCodec codec = new NoticeCodec();

    @EJB(lookup = "java:app/herald-ejb/NoticeServiceBean!dev.herald.NoticeService")
    NoticeService notices;

    @Override
    public String sendJsonToUser(String user, String event, String dataJson) {
        return notices.send(new Notice(Recipient.user(user), event, data(dataJson)));
    }

    @Override
    public String sendJsonToSession(String sessionId, String event, String dataJson) {
        return notices.send(new Notice(Recipient.session(sessionId), event, data(dataJson)));
    }

    @Override
    public String sendJsonToAll(String event, String dataJson) {
        return notices.send(new Notice(Recipient.all(), event, data(dataJson)));
    }

    private JsonValue data(String json) {
        return codec.readData(json);
    }
}

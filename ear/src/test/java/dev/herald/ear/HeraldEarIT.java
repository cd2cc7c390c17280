package dev.herald.ear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.RemoteNoticeService;
import dev.herald.ear.caller.CallerServlet;
import dev.herald.web.it.Http;
import dev.herald.web.it.Tokens;
import dev.herald.web.it.WsClient;
import java.io.File;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The built herald.ear on WildFly, with a second, separate deployment (caller.war) that reaches Herald only
 * through its documented java:global name.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class HeraldEarIT {

    static final String SECRET = System.getProperty("it.jwt.secret");
    static final String KEY = System.getProperty("it.api.key");

    @Deployment(name = "herald", order = 1, testable = false)
    static EnterpriseArchive herald() {
        return ShrinkWrap.createFromZipFile(EnterpriseArchive.class, new File(System.getProperty("herald.ear")));
    }

    @Deployment(name = "caller", order = 2, testable = false)
    static WebArchive caller() {
        return ShrinkWrap.create(WebArchive.class, "caller.war")
                .addClasses(CallerServlet.class, RemoteNoticeService.class, InvalidNoticeException.class,
                        HeraldUnavailableException.class);
    }

    static String token(String user) {
        return Tokens.sign(SECRET, user);
    }

    static URI ws(URL herald, String user) throws Exception {
        return URI.create(herald.toString().replaceFirst("^http", "ws").replaceAll("/$", "") + "/ws?token="
                + token(user));
    }

    @Test
    void anotherDeploymentSendsThroughTheJavaGlobalNameAndTheUserReceivesIt(
            @ArquillianResource @OperateOnDeployment("herald") URL herald,
            @ArquillianResource @OperateOnDeployment("caller") URL caller) throws Exception {
        try (WsClient alice = WsClient.connect(ws(herald, "alice"))) {
            alice.awaitSessionId();
            HttpResponse<String> sent = Http.post(URI.create(caller + "call?user=alice&event=from.caller"), null, "");
            assertEquals(200, sent.statusCode(), sent.body());
            alice.awaitEvent("from.caller");
            assertEquals("caller", alice.ofType("notice").get(0).getJsonObject("data").getString("from"));
            assertEquals(sent.body(), alice.ofType("notice").get(0).getString("id"));
        }
    }

    @Test
    void theEarServesTheRestApiAndTheEndpointAtHerald(
            @ArquillianResource @OperateOnDeployment("herald") URL herald) throws Exception {
        assertTrue(herald.getPath().startsWith("/herald"), herald.toString());
        try (WsClient bob = WsClient.connect(ws(herald, "bob"))) {
            bob.awaitSessionId();
            HttpResponse<String> sent = Http.post(URI.create(herald + "api/notices"), KEY,
                    "{\"to\":{\"user\":\"bob\"},\"event\":\"via.rest\"}");
            assertEquals(202, sent.statusCode(), sent.body());
            bob.awaitEvent("via.rest");
            assertEquals(List.of("via.rest"), bob.events());
        }
    }
}

package dev.herald.ear.caller;

import dev.herald.RemoteNoticeService;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * Test-only servlet of a separate deployment (caller.war): reaches Herald through its documented portable
 * name, as another application on the same server would.
 */
@WebServlet("/call")
public class CallerServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final String NAME = "java:global/herald/herald-remote/RemoteNoticeServiceBean!dev.herald.RemoteNoticeService";

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try {
            RemoteNoticeService notices = (RemoteNoticeService) new InitialContext().lookup(NAME);
            String id = notices.sendJsonToUser(req.getParameter("user"), req.getParameter("event"),
                    "{\"from\":\"caller\"}");
            resp.setContentType("text/plain");
            resp.getWriter().write(id);
        } catch (NamingException e) {
            resp.sendError(500, "lookup of " + NAME + " failed: " + e);
        }
    }
}

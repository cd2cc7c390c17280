package dev.herald.web.it.probe;

import jakarta.ejb.EJB;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Test-only servlet added to herald.war by the tests: sends through {@code NoticeService} injected into an
 * EJB of the same deployment ({@link ProbeBean}), as application code would.
 */
@WebServlet("/probe")
public class ProbeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @EJB
    ProbeBean probe;

    /** The CDI events {@link ProbeObserver} heard, one per line. */
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        resp.getWriter().write(String.join("\n", ProbeObserver.HEARD));
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (req.getParameter("tx") != null) {
            String id;
            try {
                id = probe.tellInTransaction(req.getParameter("user"), req.getParameter("event"),
                        req.getParameter("tx"));
            } catch (ProbeBean.Rollback rolledBack) {
                id = rolledBack.getMessage();
            }
            resp.setContentType("text/plain");
            resp.getWriter().write(id);
            return;
        }
        if (req.getParameter("count") != null) {
            probe.tellMany(req.getParameter("user"), req.getParameter("event"), Integer.parseInt(req.getParameter("count")));
            resp.setContentType("text/plain");
            resp.getWriter().write("sent");
            return;
        }
        String id = probe.tell(req.getParameter("user"), req.getParameter("event"), req.getParameter("text"));
        resp.setContentType("text/plain");
        resp.getWriter().write(id);
    }
}

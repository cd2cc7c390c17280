package dev.herald.web;

import dev.herald.node.HeraldNode;
import jakarta.inject.Inject;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * Where the WAR's {@value TyrusFrameBuffer#PARAM} was not filled in (herald.war's web.xml gives it as
 * {@code ${MPCONFIG=herald.ws.frame-buffer:262158}}, which only Payara substitutes), hands Tyrus
 * {@code herald.ws.frame-buffer} in its place at each upgrade: Tyrus reads the parameter from the request's servlet
 * context at each upgrade and parses it as a number, and GlassFish's Tyrus fails every upgrade on the placeholder.
 * Runs before Tyrus's own filter (which Tyrus maps after the declared ones); on Payara, and on servers without
 * Tyrus, it only passes requests on.
 */
@WebFilter(filterName = "herald-tyrus-upgrade-buffer", urlPatterns = "/ws", asyncSupported = true)
public class TyrusUpgradeBuffer implements Filter {

    @Inject
    HeraldNode heraldNode;

    /** The servlet context that answers the parameter with a number; {@code null} when the WAR's is one. */
    private volatile ServletContext numbered;

    @Override
    public void init(FilterConfig config) {
        ServletContext context = config.getServletContext();
        String value = context.getInitParameter(TyrusFrameBuffer.PARAM);
        if (value == null || isNumber(value)) {
            return;
        }
        String bytes = String.valueOf(heraldNode.node().config().frameBufferBytes());
        numbered = (ServletContext) Proxy.newProxyInstance(ServletContext.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getInitParameter") && TyrusFrameBuffer.PARAM.equals(args[0])) {
                        return bytes;
                    }
                    try {
                        return method.invoke(context, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    static boolean isNumber(String value) {
        try {
            Long.parseLong(value.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        ServletContext context = numbered;
        if (context == null || !(request instanceof HttpServletRequest http)) {
            chain.doFilter(request, response);
            return;
        }
        chain.doFilter(new HttpServletRequestWrapper(http) {
            @Override
            public ServletContext getServletContext() {
                return context;
            }
        }, response);
    }
}

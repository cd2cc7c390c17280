package dev.herald.web.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Map;

/**
 * Mounts Herald's REST resources under {@code /herald/api}. The API describes itself in the README only: Jersey
 * (Payara) would otherwise serve a WADL description at {@code application.wadl} and in every OPTIONS answer
 * (RESTEasy ignores the property).
 */
@ApplicationPath("api")
public class HeraldApi extends Application {

    @Override
    public Map<String, Object> getProperties() {
        return Map.of("jersey.config.server.wadl.disableWadl", true);
    }
}

package dev.herald.web.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Map;
import java.util.Set;

/**
 * Mounts Herald's REST resources under {@code /herald/api}. It names its classes, so that none of them (its error
 * mapper above all) joins another JAX-RS application of the WAR when Herald is used as a library. The API describes
 * itself in the README only: Jersey (Payara) would otherwise serve a WADL description at {@code application.wadl}
 * and in every OPTIONS answer (RESTEasy ignores the property).
 */
@ApplicationPath("api")
public class HeraldApi extends Application {

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(NoticesResource.class, SubscriptionsResource.class, PresenceResource.class, InboxResource.class,
                HealthResource.class, MetricsResource.class, DrainResource.class, AdminResource.class,
                DemoResource.class, ApiErrors.class);
    }

    @Override
    public Map<String, Object> getProperties() {
        return Map.of("jersey.config.server.wadl.disableWadl", true);
    }
}

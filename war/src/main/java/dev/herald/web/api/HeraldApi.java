package dev.herald.web.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** Mounts Herald's REST resources under {@code /herald/api}. */
@ApplicationPath("api")
public class HeraldApi extends Application {
}

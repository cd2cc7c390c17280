package dev.herald.web.it.probe;

import dev.herald.ChannelAuthorizer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Test-only channel authorizer, as an application's would be: anyone may do anything on {@code probe:} channels,
 * only {@code bob} may publish on {@code probe:bob-speaks}, and {@code probe:jl} channels announce joins.
 */
@ApplicationScoped
public class ProbeAuthorizer implements ChannelAuthorizer {

    @Override
    public boolean allows(String user, String channel, Action action) {
        if (channel.equals("probe:bob-speaks") && action == Action.PUBLISH) {
            return user.equals("bob");
        }
        if (channel.equals("probe:boom")) {
            throw new IllegalStateException("an authorizer that fails");
        }
        return channel.startsWith("probe:");
    }

    @Override
    public boolean announces(String channel) {
        return channel.startsWith("probe:jl");
    }
}

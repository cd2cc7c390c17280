package dev.herald.ear;

import dev.herald.web.it.PayaraDeploymentGroup;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * herald.ear, as built, deployed on a Payara Server 6 deployment group of two instances by
 * {@code server-config/payara/herald.asadmin}, which deploys the EAR as shipped: both instances run Herald on Redis
 * and a notice sent to one reaches a client of the other. Runs under the payara profile.
 */
class PayaraServerEarIT {

    @Test
    void theShippedAsadminScriptDeploysTheEarOnAGroupOfTwoInstancesThatCrossNotices() throws Exception {
        Path ear = Path.of(System.getProperty("herald.ear"));
        PayaraDeploymentGroup.runTheShippedScript(Path.of(System.getProperty("payara.server.home")), ear.getParent(), ear);
    }
}

package dev.herald.web.it;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** herald.war on a Payara Server deployment group made by the shipped asadmin script: see PayaraDeploymentGroup. */
class PayaraServerIT {

    @Test
    void theShippedAsadminScriptMakesADeploymentGroupOfTwoInstancesThatRunHeraldOnRedisAndCrossNotices()
            throws Exception {
        Path war = Path.of(ProcessNode.required("herald.war"));
        PayaraDeploymentGroup.runTheShippedScript(Path.of(ProcessNode.required("payara.server.home")), war.getParent(),
                war);
    }
}

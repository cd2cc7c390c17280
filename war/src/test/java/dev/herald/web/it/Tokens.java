package dev.herald.web.it;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.util.Date;

/**
 * A token as an application would mint it for a user (HS256 with the shared secret, expiring in five minutes),
 * made with the JWT library alone, for tests whose class path has the test helpers but not the WAR's classes (the
 * ear module's).
 */
public final class Tokens {

    private Tokens() {
    }

    public static String sign(String secret, String user) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject(user)
                    .expirationTime(new Date(System.currentTimeMillis() + 300_000)).build());
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}

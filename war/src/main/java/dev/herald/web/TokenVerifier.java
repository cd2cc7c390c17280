package dev.herald.web;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.herald.InvalidNoticeException;
import dev.herald.Recipient;
import dev.herald.node.LogLimit;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Verifies connection tokens: HS256 JWTs signed with the UTF-8 bytes of {@code herald.jwt.secret}, with a
 * {@code sub} (the user id) and a numeric {@code exp} that has not passed (60 s clock skew allowed). Any other
 * algorithm, including {@code none}, is refused; so is a header {@code typ} other than {@code JWT} (an access
 * token's {@code at+jwt}, say: a token made for another purpose), and a token over {@value #MAX_TOKEN_LENGTH}
 * characters. A header {@code kid} is accepted and not used: there is one key. Uses Nimbus JOSE+JWT. Thread
 * safe.
 */
public final class TokenVerifier {

    /** Tokens longer than this are refused unread. */
    static final int MAX_TOKEN_LENGTH = 8192;

    private final byte[] secret;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    public TokenVerifier(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        // The one key whatever the header's kid: ImmutableSecret matches a kid against its own (none) and finds
        // no key for a token that names one.
        List<JWK> key = List.of(new OctetSequenceKey.Builder(this.secret).build());
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256,
                (JWKSource<SecurityContext>) (selector, context) -> key));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(null, Set.of("sub", "exp")));
    }

    /**
     * Returns the user id of a valid token.
     *
     * @throws InvalidTokenException saying why the token is refused
     */
    public String verify(String token) {
        if (token == null || token.isEmpty()) {
            throw new InvalidTokenException("no token");
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new InvalidTokenException("token too long");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new InvalidTokenException("token is not a JWT");
        } catch (BadJOSEException e) {
            throw new InvalidTokenException("token refused: " + e.getMessage());
        } catch (JOSEException e) {
            throw new InvalidTokenException("token could not be verified");
        }
        if (claims.getExpirationTime() == null) {
            // "exp": null passes the required-claims check, and a missing date is never late
            throw new InvalidTokenException("token refused: 'exp' must be a number of seconds");
        }
        try {
            return Recipient.checkId("user", claims.getSubject());
        } catch (InvalidNoticeException e) {
            throw new InvalidTokenException("token subject refused: " + e.getMessage());
        }
    }

    /** Signs a token for {@code user} valid for {@code ttl}: for the demo page and for tests. */
    public String sign(String user, Duration ttl) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                    .subject(user)
                    .issueTime(new Date())
                    .expirationTime(Date.from(Instant.now().plus(ttl)))
                    .build());
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    /**
     * A token that Herald refuses. The message is safe to send to the client and to log: parts of it can come
     * from the token itself (the JOSE library quotes header values), so control characters are replaced and
     * it is cut to {@value #MAX_MESSAGE_LENGTH} characters.
     */
    public static final class InvalidTokenException extends RuntimeException {
        static final int MAX_MESSAGE_LENGTH = 100;
        private static final long serialVersionUID = 1L;

        InvalidTokenException(String message) {
            super(safe(message));
        }

        private static String safe(String message) {
            return LogLimit.printable(message == null ? "token refused" : message, MAX_MESSAGE_LENGTH);
        }
    }
}

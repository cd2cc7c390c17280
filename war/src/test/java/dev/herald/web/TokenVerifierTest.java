package dev.herald.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {

    static final String SECRET = "unit-test-secret-unit-test-secret-0123";
    final TokenVerifier verifier = new TokenVerifier(SECRET);

    static String signed(JWSAlgorithm alg, String secret, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    static JWTClaimsSet.Builder valid() {
        return new JWTClaimsSet.Builder().subject("alice").expirationTime(new Date(System.currentTimeMillis() + 60_000));
    }

    @Test
    void acceptsAnHs256TokenWithSubjectAndFutureExpiry() throws Exception {
        assertEquals("alice", verifier.verify(signed(JWSAlgorithm.HS256, SECRET, valid().build())));
        assertEquals("bob", verifier.verify(verifier.sign("bob", Duration.ofMinutes(1))));
    }

    @Test
    void refusesExpiredTokens() throws Exception {
        String expired = signed(JWSAlgorithm.HS256, SECRET, valid()
                .expirationTime(new Date(System.currentTimeMillis() - 120_000)).build());
        assertRefused(expired, "expired");
    }

    @Test
    void refusesTokensWithoutExpiryOrSubject() throws Exception {
        assertRefused(signed(JWSAlgorithm.HS256, SECRET, new JWTClaimsSet.Builder().subject("alice").build()), "exp");
        assertRefused(signed(JWSAlgorithm.HS256, SECRET, valid().subject(null).build()), "sub");
    }

    @Test
    void refusesOtherKeysOtherAlgorithmsAndUnsignedTokens() throws Exception {
        assertRefused(signed(JWSAlgorithm.HS256, "another-secret-another-secret-012345", valid().build()), "");
        assertRefused(signed(JWSAlgorithm.HS512, SECRET + SECRET, valid().build()), "");
        assertRefused(new PlainJWT(valid().build()).serialize(), "");
    }

    @Test
    void refusesGarbageEmptyAndOversizedTokens() {
        assertRefused(null, "no token");
        assertRefused("", "no token");
        assertRefused("a.b.c", "");
        assertRefused("x".repeat(TokenVerifier.MAX_TOKEN_LENGTH + 1), "too long");
    }

    @Test
    void refusesASubjectWithControlCharacters() throws Exception {
        assertRefused(signed(JWSAlgorithm.HS256, SECRET, valid().subject("ali\nce").build()), "subject");
    }

    @Test
    void quotesNothingOfAHostileTokenThatCouldForgeALogLineOrFloodIt() throws Exception {
        SignedJWT hostile = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256)
                .type(new JOSEObjectType("x\nSEVERE: forged line" + "y".repeat(5000))).build(), valid().build());
        hostile.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        TokenVerifier.InvalidTokenException e = assertThrows(TokenVerifier.InvalidTokenException.class,
                () -> verifier.verify(hostile.serialize()));
        assertTrue(e.getMessage().contains("typ"), "refused for its header type: " + e.getMessage());
        assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl), e.getMessage());
        assertTrue(e.getMessage().length() <= 103, "cut: " + e.getMessage().length() + " characters");
    }

    private void assertRefused(String token, String reasonPart) {
        TokenVerifier.InvalidTokenException e = assertThrows(TokenVerifier.InvalidTokenException.class,
                () -> verifier.verify(token));
        assertTrue(e.getMessage().toLowerCase().contains(reasonPart.toLowerCase()), e.getMessage());
    }

    static String signedPayload(String payloadJson, JWSHeader header) throws Exception {
        com.nimbusds.jose.JWSObject jws = new com.nimbusds.jose.JWSObject(header,
                new com.nimbusds.jose.Payload(payloadJson));
        jws.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        return jws.serialize();
    }

    @Test
    void refusesATokenWhoseExpiryIsNullOrNotANumber() throws Exception {
        JWSHeader hs256 = new JWSHeader(JWSAlgorithm.HS256);
        assertRefused(signedPayload("{\"sub\":\"alice\",\"exp\":null}", hs256), "exp");
        assertRefused(signedPayload("{\"sub\":\"alice\",\"exp\":\"tomorrow\"}", hs256), "");
        long later = System.currentTimeMillis() / 1000 + 60;
        assertEquals("alice", verifier.verify(signedPayload("{\"sub\":\"alice\",\"exp\":" + later + "}", hs256)));
    }

    @Test
    void acceptsATokenThatNamesAKeyIdAndRefusesOneMadeForAnotherPurpose() throws Exception {
        SignedJWT withKid = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("2026-12").build(),
                valid().build());
        withKid.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        assertEquals("alice", verifier.verify(withKid.serialize()));
        SignedJWT accessToken = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256)
                .type(new JOSEObjectType("at+jwt")).build(), valid().build());
        accessToken.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        assertRefused(accessToken.serialize(), "typ");
        SignedJWT typed = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
                valid().build());
        typed.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        assertEquals("alice", verifier.verify(typed.serialize()));
    }
}

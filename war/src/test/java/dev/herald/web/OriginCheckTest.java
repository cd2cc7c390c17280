package dev.herald.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class OriginCheckTest {

    @Test
    void withNoListAllowsClientsWithoutOriginAndTheSameOriginOnly() {
        assertTrue(OriginCheck.allowed(Set.of(), null, "app.example:8080"));
        assertTrue(OriginCheck.allowed(Set.of(), "http://app.example:8080", "app.example:8080"));
        assertTrue(OriginCheck.allowed(Set.of(), "https://app.example", "app.example"));
        assertTrue(OriginCheck.allowed(Set.of(), "https://app.example", "app.example:443"));
        assertFalse(OriginCheck.allowed(Set.of(), "https://evil.example", "app.example"));
        assertFalse(OriginCheck.allowed(Set.of(), "http://app.example:9090", "app.example:8080"));
        assertFalse(OriginCheck.allowed(Set.of(), "null", "app.example"));
        assertFalse(OriginCheck.allowed(Set.of(), "http://app.example", null));
    }

    @Test
    void withAListAllowsExactlyItsOriginsOrAnyWithStar() {
        Set<String> list = Set.of("https://app.example");
        assertTrue(OriginCheck.allowed(list, "https://app.example", "ws.example"));
        assertFalse(OriginCheck.allowed(list, "https://app.example.evil", "ws.example"));
        assertFalse(OriginCheck.allowed(list, "https://ws.example", "ws.example"));
        assertTrue(OriginCheck.allowed(Set.of("*"), "https://anything.example", "ws.example"));
    }
}

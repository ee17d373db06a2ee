package io.visionflow.api;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static io.visionflow.api.ApiHarness.A;
import static io.visionflow.api.ApiHarness.TOKEN_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tokens: random, stored hashed, revocable at once, bounded before any work. */
class TokensTest {
    @Test
    void generatedTokensAre32RandomBytesAndOnlyTheirHashIsAKey() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String t = Tokens.generate();
            assertThat(t).matches("[0-9a-f]{64}");
            assertThat(seen.add(t)).isTrue();
        }
        // SHA-256 of the UTF-8 bytes, as every store keys it
        assertThat(Tokens.hash("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void aRevokedTokenIsRefusedAtOnceAndAnotherOneOfTheAccountStillWorks() {
        try (ApiHarness h = new ApiHarness()) {
            String second = Tokens.generate();
            h.stores.accounts().addToken(A, Tokens.hash(second));
            h.ok("GET", "/flows/v2/flow/", second, null);
            h.ok("GET", "/flows/v2/flow/", TOKEN_A, null);

            assertThat(h.stores.accounts().revokeToken(Tokens.hash(TOKEN_A))).isTrue();
            assertThat(h.expect(401, "GET", "/flows/v2/flow/", TOKEN_A, null).at("/status/detail").asText()).isEqualTo("invalid token");
            h.ok("GET", "/flows/v2/flow/", second, null);
            // the raw token was never a key
            assertThat(h.stores.accounts().accountOfToken(second)).isEmpty();
        }
    }

    @Test
    void anOverlongTokenIsRefusedWithoutALookup() {
        try (ApiHarness h = new ApiHarness()) {
            String longToken = "a".repeat(Tokens.MAX_LENGTH + 1);
            h.stores.accounts().addToken(A, Tokens.hash(longToken));
            assertThat(h.expect(401, "GET", "/flows/v2/flow/", longToken, null).at("/status/detail").asText()).isEqualTo("invalid token");
        }
    }

    @Test
    void chosenTokensMustBeHardToGuess() {
        assertThat(Tokens.checkChosen("  0123456789abcdef \n", "X")).isEqualTo("0123456789abcdef");
        for (String weak : new String[] {null, "", "short", "0123456789abcde", "0123456789 abcdef", "0123456789abcdé", "a".repeat(257)}) {
            assertThatThrownBy(() -> Tokens.checkChosen(weak, "VISIONFLOW_TOKEN")).as(String.valueOf(weak))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VISIONFLOW_TOKEN");
        }
    }
}

package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.store.UsageRow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import static io.visionflow.api.ApiHarness.A;
import static io.visionflow.api.ApiHarness.B;
import static io.visionflow.api.ApiHarness.TOKEN_A;
import static io.visionflow.api.ApiHarness.TOKEN_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Monthly credit limits (402 before any work) and request rate limits (429 with Retry-After), per account. */
class AccountLimitsTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-11-30T23:59:00Z"));
    private ApiHarness h;

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    private String colourTask() {
        return h.classifier(TOKEN_A, h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx")), "colour", "red", "green", "blue");
    }

    private long used(String account) {
        return h.stores.usage().usage(account, LocalDate.parse("2026-01-01"), LocalDate.parse("2027-12-31")).stream()
                .mapToLong(UsageRow::credits).sum();
    }

    @Test
    void aUsedUpMonthlyLimitAnswers402BeforeAnyWorkAndTheNextMonthRunsAgain() {
        h = new ApiHarness(cfg -> cfg.clock = clock);
        String colour = colourTask();
        String flow = h.flow(TOKEN_A, """
                {"name": "twice", "top_node": {"type": "list", "actions": [
                  {"type": "recognition", "id": "a", "task": "%s", "output_field": "a"},
                  {"type": "recognition", "id": "b", "task": "%s", "output_field": "b"}]}}""".formatted(colour, colour));
        h.stores.accounts().setMonthlyCredits(A, 3L);
        String img = ApiHarness.record(ApiHarness.plain(Color.RED, 8, 8));
        String process = "{\"flow\": \"" + flow + "\", \"records\": [" + img + "]}";
        String classify = "{\"task\": \"" + colour + "\", \"records\": [" + img + "]}";

        // 2 credits of 3: another request may start, and runs to its end (4 of 3: overshoot by its own cost)
        assertThat(h.ok("POST", "/flows/v2/process", TOKEN_A, process).at("/statistics/credits").asInt()).isEqualTo(2);
        assertThat(h.ok("POST", "/flows/v2/process", TOKEN_A, process).at("/statistics/credits").asInt()).isEqualTo(2);
        assertThat(used(A)).isEqualTo(4);

        ApiHarness.Snapshot before = h.snapshot();
        for (String[] c : List.of(new String[] {"/flows/v2/process", process}, new String[] {"/recognition/v2/classify", classify},
                new String[] {"/detection/v2/detect", "{\"task\": \"nope\", \"records\": [" + img + "]}"},
                new String[] {"/account/v2/request/", "{\"flow\": \"" + flow + "\", \"records\": [" + img + "]}"})) {
            JsonNode r = h.expect(402, "POST", c[0], TOKEN_A, c[1]);
            assertThat(r.at("/status/text").asText()).isEqualTo("Payment Required");
            assertThat(r.at("/status/detail").asText()).contains("monthly credit limit of 3", "4 used since 2026-11-01", "2026-12-01");
        }
        assertThat(h.snapshot()).isEqualTo(before);
        assertThat(used(A)).isEqualTo(4);
        assertThat(h.stores.requests().list(A, null, null, 0, 10).total()).isZero();
        // what costs nothing still works; and B has no limit
        h.ok("GET", "/flows/v2/flow/" + flow, TOKEN_A, null);
        h.ok("GET", "/account/v2/usage?from=2026-11-01", TOKEN_A, null);
        assertThat(h.ok("POST", "/authorization/v2/authorize", TOKEN_B, "{}").get("user_id").asText()).isEqualTo(B);

        clock.advance(Duration.ofMinutes(2)); // 2026-12-01
        assertThat(h.ok("POST", "/flows/v2/process", TOKEN_A, process).at("/statistics/credits").asInt()).isEqualTo(2);
        h.stores.accounts().setMonthlyCredits(A, 0L);
        h.expect(402, "POST", "/recognition/v2/classify", TOKEN_A, classify);
        h.stores.accounts().setMonthlyCredits(A, null);
        h.ok("POST", "/recognition/v2/classify", TOKEN_A, classify);
    }

    @Test
    void aRateLimitAnswers429WithRetryAfterPerAccountAndRefillsWithTheClock() {
        h = new ApiHarness(cfg -> {
            cfg.clock = clock;
            cfg.rateLimit = new RateLimit(2, 3);
        });
        for (int i = 0; i < 3; i++) {
            h.ok("GET", "/flows/v2/flow/", TOKEN_A, null);
        }
        ApiResponse refused = h.call("GET", "/flows/v2/flow/", TOKEN_A, null);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.headers()).containsEntry("Retry-After", "1").containsKey("X-Request-Id");
        JsonNode body = refused.bodyJson();
        assertThat(body.at("/status/code").asInt()).isEqualTo(429);
        assertThat(body.at("/status/detail").asText()).contains("2 requests per second", "bursts of 3", "retry in 1 s");
        // any route counts, B has its own bucket, and a bad token is a 401 that uses no one's
        assertThat(h.call("POST", "/authorization/v2/authorize", TOKEN_A, "{}").status()).isEqualTo(429);
        h.ok("GET", "/flows/v2/flow/", TOKEN_B, null);
        assertThat(h.call("GET", "/flows/v2/flow/", "nope", null).status()).isEqualTo(401);

        clock.advance(Duration.ofMillis(499));
        assertThat(h.call("GET", "/flows/v2/flow/", TOKEN_A, null).status()).isEqualTo(429);
        clock.advance(Duration.ofMillis(1));
        h.ok("GET", "/flows/v2/flow/", TOKEN_A, null);
        assertThat(h.call("GET", "/flows/v2/flow/", TOKEN_A, null).status()).isEqualTo(429);
        clock.advance(Duration.ofHours(1)); // refills up to the burst, no more
        for (int i = 0; i < 3; i++) {
            h.ok("GET", "/flows/v2/flow/", TOKEN_A, null);
        }
        assertThat(h.call("GET", "/flows/v2/flow/", TOKEN_A, null).status()).isEqualTo(429);
        clock.advance(Duration.ofSeconds(-30)); // a clock stepping back refills nothing and breaks nothing
        assertThat(h.call("GET", "/flows/v2/flow/", TOKEN_A, null).status()).isEqualTo(429);
    }

    @Test
    void aSlowRateWaitsSeveralSeconds() {
        h = new ApiHarness(cfg -> {
            cfg.clock = clock;
            cfg.rateLimit = RateLimit.parse("0.2/s,1");
        });
        h.ok("GET", "/flows/v2/flow/", TOKEN_A, null);
        assertThat(h.call("GET", "/flows/v2/flow/", TOKEN_A, null).headers()).containsEntry("Retry-After", "5");
    }

    @Test
    void rateLimitsParseFromSettings() {
        assertThat(RateLimit.parse("20/s")).isEqualTo(new RateLimit(20, 40));
        assertThat(RateLimit.parse(" 5/s , 7 ")).isEqualTo(new RateLimit(5, 7));
        assertThat(RateLimit.parse("0.1/s")).isEqualTo(new RateLimit(0.1, 1));
        for (String bad : List.of("20", "x/s", "0/s", "-1/s", "5/s,0", "5/s,x", "Infinity/s", "NaN/s")) {
            assertThatThrownBy(() -> RateLimit.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

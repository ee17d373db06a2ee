package io.visionflow.webhook;

import io.visionflow.net.OutboundPolicy;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookSenderTest {
    private static final byte[] BODY = "{\"id\":\"r1\",\"status\":\"DONE\"}".getBytes(StandardCharsets.UTF_8);

    private static WebhookSender sender(int attempts) {
        return new WebhookSender(WebhookSender.Options.defaults()
                .withAttempts(attempts, Duration.ofMillis(5), Duration.ofMillis(50))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500)), OutboundPolicy.allowingPrivate());
    }

    private static WebhookSender.Result send(WebhookSender sender, WebhookReceiver receiver) throws Exception {
        return sender.send(new WebhookSender.Delivery(receiver.uri(), Map.of("X-Custom", "yes"), "s3cret", BODY))
                .get(60, TimeUnit.SECONDS);
    }

    @Test
    void signsTheBodyWithTheTimestampAndPassesTheUsersHeaders() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 200); WebhookSender sender = sender(3)) {
            WebhookSender.Result result = send(sender, receiver);
            assertThat(result.delivered()).isTrue();
            assertThat(result.attempts()).isEqualTo(1);
            WebhookReceiver.Received got = receiver.received().get(0);
            assertThat(got.body()).isEqualTo(BODY);
            assertThat(got.header("X-Custom")).isEqualTo("yes");
            assertThat(got.header("Content-Type")).isEqualTo("application/json");
            assertThat(Webhook.verify("s3cret", got.header(Webhook.TIMESTAMP_HEADER), got.body(),
                    got.header(Webhook.SIGNATURE_HEADER))).isTrue();
        }
    }

    @Test
    void retriesServerErrorsUntilDelivered() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> n <= 2 ? 500 : 200); WebhookSender sender = sender(5)) {
            WebhookSender.Result result = send(sender, receiver);
            assertThat(result.delivered()).isTrue();
            assertThat(result.attempts()).isEqualTo(3);
            assertThat(receiver.received()).hasSize(3);
            // every attempt is signed afresh, and each signature verifies
            receiver.received().forEach(r -> assertThat(Webhook.verify("s3cret", r.header(Webhook.TIMESTAMP_HEADER),
                    r.body(), r.header(Webhook.SIGNATURE_HEADER))).isTrue());
        }
    }

    @Test
    void givesUpAfterMaxAttempts() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 503); WebhookSender sender = sender(4)) {
            WebhookSender.Result result = send(sender, receiver);
            assertThat(result.delivered()).isFalse();
            assertThat(result.attempts()).isEqualTo(4);
            assertThat(result.status()).isEqualTo(503);
            assertThat(receiver.received()).hasSize(4);
        }
    }

    @Test
    void retriesTooManyRequestsAndRequestTimeoutButNotOtherClientErrors() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> n == 1 ? 429 : n == 2 ? 408 : 200);
             WebhookSender sender = sender(5)) {
            assertThat(send(sender, receiver).attempts()).isEqualTo(3);
        }
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 404); WebhookSender sender = sender(5)) {
            WebhookSender.Result result = send(sender, receiver);
            assertThat(result.delivered()).isFalse();
            assertThat(result.attempts()).isEqualTo(1);
            assertThat(result.error()).contains("404");
        }
    }

    @Test
    void aSlowReceiverTimesOutAndIsTriedAgain() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> n == 1 ? -5_000 : 200); WebhookSender sender = sender(3)) {
            WebhookSender.Result result = send(sender, receiver);
            assertThat(result.delivered()).isTrue();
            assertThat(result.attempts()).isEqualTo(2);
        }
    }

    @Test
    void aConnectionErrorIsRetriedThenGivenUp() throws Exception {
        WebhookReceiver receiver = new WebhookReceiver(n -> 200);
        receiver.close(); // nobody listens on its port any more
        try (WebhookSender sender = sender(2)) {
            WebhookSender.Result result = sender.send(new WebhookSender.Delivery(receiver.uri(), Map.of(), "s3cret", BODY))
                    .get(60, TimeUnit.SECONDS);
            assertThat(result.delivered()).isFalse();
            assertThat(result.attempts()).isEqualTo(2);
            assertThat(result.status()).isZero();
        }
    }

    @Test
    void theAddressPolicyIsConsultedBeforeEveryAttempt() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 200);
             WebhookSender sender = new WebhookSender(WebhookSender.Options.defaults(), OutboundPolicy.publicOnly())) {
            WebhookSender.Result result = send(sender, receiver);
            assertThat(result.delivered()).isFalse();
            assertThat(result.attempts()).isEqualTo(1);
            assertThat(result.error()).contains("address not allowed: 127.0.0.1, a loopback address");
            assertThat(receiver.received()).isEmpty();
        }
    }

    @Test
    void oneAttemptSaysWhatComesNext() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> switch (n) {
            case 1 -> 200;
            case 2, 3 -> 503;
            default -> 410;
        }); WebhookSender sender = sender(3)) {
            var d = new WebhookSender.Delivery(receiver.uri(), Map.of(), "s3cret", BODY);
            assertThat(sender.attempt(d, 1).get(60, TimeUnit.SECONDS)).isEqualTo(new Outcome.Delivered(200));
            assertThat(sender.attempt(d, 1).get(60, TimeUnit.SECONDS)).isInstanceOfSatisfying(Outcome.Retry.class, r -> {
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.delay()).isBetween(Duration.ZERO, Duration.ofMillis(5));
            });
            // the last attempt allowed: no retry, the queue's dead-letter path takes it
            assertThat(sender.attempt(d, 3).get(60, TimeUnit.SECONDS)).isEqualTo(new Outcome.Exhausted(503, "answered HTTP 503"));
            assertThat(sender.attempt(d, 1).get(60, TimeUnit.SECONDS)).isEqualTo(new Outcome.GiveUp(410, "answered HTTP 410"));
            assertThat(receiver.received()).hasSize(4);
        }
    }

    @Test
    void aRetryWaitsAtLeastWhatRetryAfterAsksUpToTheMaximumDelay() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 429, Map.of("Retry-After", "3"));
             WebhookSender sender = new WebhookSender(WebhookSender.Options.defaults()
                     .withAttempts(3, Duration.ofMillis(5), Duration.ofSeconds(2)), OutboundPolicy.allowingPrivate())) {
            var d = new WebhookSender.Delivery(receiver.uri(), Map.of(), "s3cret", BODY);
            assertThat(sender.attempt(d, 1).get(60, TimeUnit.SECONDS)).isEqualTo(
                    new Outcome.Retry(Duration.ofSeconds(2), 429, "answered HTTP 429"));
        }
    }

    @Test
    void backoffIsJitteredWithinAnExponentiallyGrowingCap() {
        try (WebhookSender sender = new WebhookSender(WebhookSender.Options.defaults()
                .withAttempts(10, Duration.ofMillis(100), Duration.ofMillis(1_000)), OutboundPolicy.allowingPrivate())) {
            for (int i = 0; i < 200; i++) {
                assertThat(sender.backoffMillis(1, null)).isBetween(0L, 100L);
                assertThat(sender.backoffMillis(3, null)).isBetween(0L, 400L);
                assertThat(sender.backoffMillis(9, null)).isBetween(0L, 1_000L);
            }
        }
    }

    @Test
    void verifyRefusesAnyChangeOfBodyTimestampSecretOrSignature() {
        String sig = Webhook.sign("s3cret", "1700000000", BODY);
        assertThat(sig).startsWith("sha256=").hasSize(7 + 64);
        assertThat(Webhook.verify("s3cret", "1700000000", BODY, sig)).isTrue();
        assertThat(Webhook.verify("s3cret", "1700000001", BODY, sig)).isFalse();
        assertThat(Webhook.verify("other", "1700000000", BODY, sig)).isFalse();
        assertThat(Webhook.verify("s3cret", "1700000000", "{}".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
        assertThat(Webhook.verify("s3cret", "1700000000", BODY, sig.replace('a', 'b').replace('1', '2'))).isFalse();
        assertThat(Webhook.verify("s3cret", "1700000000", BODY, null)).isFalse();
    }
}

package io.visionflow.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.net.OutboundPolicy;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The consumer logic every webhook queue shares, and the in-process queue, against a real HTTP receiver. */
class WebhookDeliveriesTest {
    static final String ACCOUNT = "acct-1";
    static final byte[] BODY = "{\"id\":\"req-1\",\"type\":\"flows\",\"status\":\"DONE\",\"response\":{\"records\":[]}}"
            .getBytes(StandardCharsets.UTF_8);

    static WebhookSender sender(int attempts) {
        return new WebhookSender(WebhookSender.Options.defaults()
                .withAttempts(attempts, Duration.ofMillis(5), Duration.ofMillis(50))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500)), OutboundPolicy.allowingPrivate());
    }

    static byte[] message(WebhookReceiver receiver) {
        return new WebhookMessage(ACCOUNT, "req-1", receiver.uri(), Map.of("X-Mine", "their-header-value"), BODY).toJson();
    }

    static boolean signedWith(String secret, WebhookReceiver.Received r) {
        return Webhook.verify(secret, r.header(Webhook.TIMESTAMP_HEADER), r.body(), r.header(Webhook.SIGNATURE_HEADER));
    }

    @Test
    void theInProcessQueueRetriesUntilDeliveredWithTheSameSignedBody() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> n <= 2 ? 500 : 200);
             WebhookSender sender = sender(5);
             InProcessWebhookQueue queue = new InProcessWebhookQueue(new WebhookDeliveries(sender, a -> Optional.of("s3cret")))) {
            queue.enqueue(WebhookMessage.fromJson(message(receiver)));
            Await.until("three attempts", () -> receiver.received().size() == 3);
            for (WebhookReceiver.Received r : receiver.received()) {
                assertThat(r.body()).isEqualTo(BODY);
                assertThat(r.header("X-Mine")).isEqualTo("their-header-value");
                assertThat(signedWith("s3cret", r)).isTrue();
            }
            Thread.sleep(200); // nothing more comes: it was delivered
            assertThat(receiver.received()).hasSize(3);
        }
    }

    @Test
    void theInProcessQueueReportsAnExhaustedWebhookAsGivenUp() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 503);
             WebhookSender sender = sender(3);
             LogLines logs = new LogLines(WebhookDeliveries.class);
             InProcessWebhookQueue queue = new InProcessWebhookQueue(new WebhookDeliveries(sender, a -> Optional.of("s3cret")))) {
            queue.enqueue(WebhookMessage.fromJson(message(receiver)));
            Await.until("given up", () -> logs.json().stream().anyMatch(l -> l.path("message").asText().contains("given up")));
            assertThat(receiver.received()).hasSize(3);
            JsonNode line = logs.json().stream().filter(l -> l.path("message").asText().contains("given up")).findFirst().orElseThrow();
            assertThat(line.path("request_id").asText()).isEqualTo("req-1");
            assertThat(line.path("account").asText()).isEqualTo(ACCOUNT);
            assertThat(line.path("outcome").asText()).isEqualTo("given_up");
            assertThat(line.path("reason").asText()).contains("503");
            assertThat(String.join("\n", logs.text())).doesNotContain("their-header-value", "records", "s3cret");
        }
    }

    @Test
    void aRotatedSecretSignsTheNextAttempt() throws Exception {
        Map<String, String> secrets = new ConcurrentHashMap<>(Map.of(ACCOUNT, "old-secret"));
        try (WebhookReceiver receiver = new WebhookReceiver(n -> n == 1 ? 500 : 200); WebhookSender sender = sender(3)) {
            WebhookDeliveries deliveries = new WebhookDeliveries(sender, a -> Optional.ofNullable(secrets.get(a)));
            byte[] message = message(receiver);
            assertThat(deliveries.handle(message, 1)).isInstanceOf(Outcome.Retry.class);
            secrets.put(ACCOUNT, "new-secret");
            assertThat(deliveries.handle(message, 2)).isEqualTo(new Outcome.Delivered(200));
            assertThat(signedWith("old-secret", receiver.received().get(0))).isTrue();
            assertThat(signedWith("new-secret", receiver.received().get(1))).isTrue();
            assertThat(signedWith("old-secret", receiver.received().get(1))).isFalse();
        }
    }

    @Test
    void goneAndBadRequestGiveUpAtOnce() throws Exception {
        for (int status : new int[] {410, 400}) {
            try (WebhookReceiver receiver = new WebhookReceiver(n -> status); WebhookSender sender = sender(5)) {
                WebhookDeliveries deliveries = new WebhookDeliveries(sender, a -> Optional.of("s3cret"));
                assertThat(deliveries.handle(message(receiver), 1)).isEqualTo(new Outcome.GiveUp(status, "answered HTTP " + status));
                assertThat(receiver.received()).hasSize(1);
            }
        }
    }

    @Test
    void theLastAllowedAttemptIsExhaustedAndAnyReceiveBeyondIsGivenUpUntried() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 503); WebhookSender sender = sender(3)) {
            WebhookDeliveries deliveries = new WebhookDeliveries(sender, a -> Optional.of("s3cret"));
            assertThat(deliveries.maxAttempts()).isEqualTo(3);
            assertThat(deliveries.handle(message(receiver), 3)).isEqualTo(new Outcome.Exhausted(503, "answered HTTP 503"));
            // a queue that hands it out more often than the sender allows does not make it retry for ever
            assertThat(deliveries.handle(message(receiver), 4)).isInstanceOfSatisfying(Outcome.GiveUp.class,
                    g -> assertThat(g.reason()).contains("received 4 times"));
            assertThat(receiver.received()).hasSize(1);
        }
    }

    @Test
    void aMalformedMessageIsGivenUpWithoutAnAttemptAndWithoutQuotingIt() throws Exception {
        try (WebhookSender sender = sender(3); LogLines logs = new LogLines(WebhookDeliveries.class)) {
            AtomicInteger lookups = new AtomicInteger();
            WebhookDeliveries deliveries = new WebhookDeliveries(sender, a -> {
                lookups.incrementAndGet();
                return Optional.of("s3cret");
            });
            for (String bad : new String[] {"private-result-text", "{\"v\":1}", ""}) {
                assertThat(deliveries.handle(bad.getBytes(StandardCharsets.UTF_8), 1)).isInstanceOfSatisfying(
                        Outcome.GiveUp.class, g -> assertThat(g.reason()).startsWith("malformed webhook message"));
            }
            assertThat(lookups).hasValue(0);
            assertThat(String.join("\n", logs.text())).contains("malformed").doesNotContain("private-result-text");
        }
    }

    @Test
    void aSecretStoreFaultIsRetriedAndAnAccountWithoutSecretGivesUp() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 200); WebhookSender sender = sender(3)) {
            WebhookDeliveries failing = new WebhookDeliveries(sender, a -> {
                throw new IllegalStateException("the table is not there");
            });
            assertThat(failing.handle(message(receiver), 1)).isInstanceOfSatisfying(Outcome.Retry.class,
                    r -> assertThat(r.error()).contains("the account's webhook secret cannot be read (the table is not there)"));
            assertThat(failing.handle(message(receiver), 3)).isInstanceOf(Outcome.Exhausted.class);
            WebhookDeliveries none = new WebhookDeliveries(sender, a -> Optional.empty());
            assertThat(none.handle(message(receiver), 1)).isEqualTo(new Outcome.GiveUp(0, "the account has no webhook secret"));
            assertThat(receiver.received()).isEmpty();
        }
    }
}

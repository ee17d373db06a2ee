package io.visionflow.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookMessageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final URI ENDPOINT = URI.create("https://example.com/hook?x=1");

    private static WebhookMessage message(String body) {
        return message(body.getBytes(StandardCharsets.UTF_8));
    }

    private static WebhookMessage message(byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Mine", "1");
        headers.put("Authorization", "Bearer their-own-token");
        return new WebhookMessage("acct-1", "req-1", ENDPOINT, headers, body);
    }

    private static WebhookMessage roundTrip(WebhookMessage m) {
        return WebhookMessage.fromJson(m.toJson());
    }

    @Test
    void aJsonBodyTravelsEmbeddedAndComesBackByteForByte() throws Exception {
        // what a JSON parser and writer would not keep: spacing, number spelling, escapes, key order
        String body = "{\"id\":\"req-1\", \"status\" : \"DONE\",\"response\":{\"records\":[{\"p\":1.50E-3,"
                + "\"name\":\"caf\u00e9 \\u00e9 \\\"q\\\" \\/\",\"z\":[ ]}],\"a\":-0}}";
        WebhookMessage m = message(body);
        byte[] json = m.toJson();
        JsonNode tree = JSON.readTree(json);
        assertThat(tree.has("body_base64")).isFalse();
        assertThat(tree.at("/body/id").asText()).isEqualTo("req-1");
        assertThat(tree.at("/v").asInt()).isEqualTo(1);
        WebhookMessage back = WebhookMessage.fromJson(json);
        assertThat(back.body()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
        assertThat(back).isEqualTo(m);
        assertThat(back.headers().keySet()).containsExactly("X-Mine", "Authorization");
        assertThat(WebhookMessage.embeddable("[1, 2]".getBytes(StandardCharsets.UTF_8))).isTrue();
    }

    @Test
    void anyOtherBodyTravelsAsBase64AndComesBackByteForByte() {
        List<byte[]> bodies = List.of(
                "{\"a\":1}\n".getBytes(StandardCharsets.UTF_8), // trailing newline: not exactly one value
                " {\"a\":1}".getBytes(StandardCharsets.UTF_8),
                "42".getBytes(StandardCharsets.UTF_8),
                "not json at all".getBytes(StandardCharsets.UTF_8),
                "{\"a\":1}{\"b\":2}".getBytes(StandardCharsets.UTF_8),
                "{\"a\":".getBytes(StandardCharsets.UTF_8),
                new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'}, // invalid UTF-8
                "{\"a\":\"\uFFFF\"}".getBytes(StandardCharsets.UTF_8), // a character SQS refuses
                new byte[0]);
        for (byte[] body : bodies) {
            assertThat(WebhookMessage.embeddable(body)).as(new String(body, StandardCharsets.UTF_8)).isFalse();
            WebhookMessage m = message(body);
            assertThat(new String(m.toJson(), StandardCharsets.US_ASCII)).contains("\"body_base64\"");
            assertThat(roundTrip(m).body()).isEqualTo(body);
        }
    }

    @Test
    void whatTheMessageAddsIsAsciiSoSqsTakesItWhateverTheHeadersHold() {
        WebhookMessage m = new WebhookMessage("acct-1", "req-1", ENDPOINT, Map.of("X-Name", "Zo\u00eb \uFFFF"),
                "{}".getBytes(StandardCharsets.UTF_8));
        byte[] json = m.toJson();
        for (byte b : json) {
            assertThat(b).isBetween((byte) 0x20, (byte) 0x7E);
        }
        assertThat(roundTrip(m).headers()).containsEntry("X-Name", "Zo\u00eb \uFFFF");
    }

    @Test
    void readingSkipsUnknownFieldsAndNamesWhatIsWrong() {
        String good = "{\"v\":1,\"account\":\"a\",\"request\":\"r\",\"endpoint\":\"https://e.com/h\",\"headers\":{},"
                + "\"later\":{\"x\":[1]},\"body\":{\"id\":\"r\"}}";
        assertThat(WebhookMessage.fromJson(good.getBytes(StandardCharsets.UTF_8)).body())
                .isEqualTo("{\"id\":\"r\"}".getBytes(StandardCharsets.UTF_8));

        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("garbage", "not JSON");
        bad.put("[1]", "not a JSON object");
        bad.put("{\"v\":2,\"account\":\"a\",\"request\":\"r\",\"endpoint\":\"https://e.com\",\"body\":{}}", "v: expected 1, found 2");
        bad.put("{\"account\":\"a\",\"request\":\"r\",\"endpoint\":\"https://e.com\",\"body\":{}}", "v: expected 1, found none");
        bad.put("{\"v\":1,\"account\":\"a\",\"request\":\"r\",\"body\":{}}", "endpoint: missing");
        bad.put("{\"v\":1,\"request\":\"r\",\"endpoint\":\"https://e.com\",\"body\":{}}", "account: missing");
        bad.put("{\"v\":1,\"account\":\"a\",\"request\":\"r\",\"endpoint\":\"https://e.com\"}", "body: missing");
        bad.put("{\"v\":1,\"account\":\"a\",\"request\":\"r\",\"endpoint\":\"https://e.com\",\"body\":\"x\"}", "body: expected an object or array");
        bad.put("{\"v\":1,\"account\":\"a\",\"request\":\"r\",\"endpoint\":\"https://e.com\",\"body_base64\":\"***\"}", "body_base64:");
        bad.put("{\"v\":1,\"account\":\"a\",\"request\":\"r\",\"endpoint\":\"https://e.com\",\"headers\":{\"h\":1},\"body\":{}}", "headers.h: expected a string");
        bad.put("{\"v\":1,\"account\":\"a\",\"request\":\"r\",\"endpoint\":\"a b\",\"body\":{}}", "endpoint:");
        bad.put("{\"v\":1,\"account\":\"a\",\"request\":\"r\",\"endpoint\":\"https://e.com\",\"body\":{}} {}", "more than one JSON object");
        bad.put("{\"v\":1,\"account\":\"a\",\"request\":\"r\",\"endpoint\":\"https://e.com\",\"body\":{", "not JSON");
        bad.forEach((json, why) -> assertThatThrownBy(() -> WebhookMessage.fromJson(json.getBytes(StandardCharsets.UTF_8)))
                .as(json).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(why));
    }

    @Test
    void itsTextShowsNeitherHeadersNorBody() {
        String text = message("{\"secret-result\":1}").toString();
        assertThat(text).contains("req-1", "example.com").doesNotContain("their-own-token", "secret-result", "x=1");
    }

    @Test
    void theDeliveryCarriesTheSecretGivenNowAndTheSameBytes() {
        WebhookMessage m = message("{\"id\":\"req-1\"}");
        WebhookSender.Delivery d = m.delivery("s3cret");
        assertThat(d.secret()).isEqualTo("s3cret");
        assertThat(d.body()).isEqualTo(m.body());
        assertThat(d.endpoint()).isEqualTo(ENDPOINT);
        assertThat(d.headers()).isEqualTo(m.headers());
    }
}

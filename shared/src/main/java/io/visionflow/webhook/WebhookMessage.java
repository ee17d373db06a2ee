package io.visionflow.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A webhook waiting in a {@link WebhookQueue}: whose it is, where it goes and the exact bytes to
 * sign and send. The account's secret is not in it: it is read when each attempt is made, so a
 * rotated secret applies at once and no secret sits in a queue.
 *
 * <p>Its JSON form: {@code {"v": 1, "account", "request", "endpoint", "headers": {..}, "body": ..}}.
 * A body that is one JSON object or array in UTF-8 (what {@code AsyncRequests} sends) is embedded as
 * it is, byte for byte, and read back by its offsets in the message: a third smaller than base64,
 * which matters under SQS's message size limit, and readable in a dead-letter queue. Any other body
 * travels as {@code "body_base64"}.
 *
 * @param requestId the async request the webhook announces, for logs; receivers deduplicate on the
 *                  {@code id} of the body, which is the same
 */
public record WebhookMessage(String account, String requestId, URI endpoint, Map<String, String> headers, byte[] body) {
    private static final int VERSION = 1;
    // the fields we write are ASCII, so the message is valid as an SQS body whatever the headers hold
    private static final JsonFactory JSON = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    public WebhookMessage {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(endpoint, "endpoint");
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** What the sender needs for one attempt, with the secret as it is now. */
    public WebhookSender.Delivery delivery(String secret) {
        return new WebhookSender.Delivery(endpoint, headers, secret, body);
    }

    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", VERSION);
            g.writeStringField("account", account);
            g.writeStringField("request", requestId);
            g.writeStringField("endpoint", endpoint.toString());
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> h : headers.entrySet()) {
                g.writeStringField(h.getKey(), h.getValue());
            }
            g.writeEndObject();
            if (embeddable(body)) {
                g.writeFieldName("body");
                g.writeRawValue(new String(body, StandardCharsets.UTF_8));
            } else {
                g.writeStringField("body_base64", Base64.getEncoder().encodeToString(body));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return out.toByteArray();
    }

    /**
     * Reads the JSON form back; fields it does not know are skipped.
     *
     * @throws IllegalArgumentException naming what is wrong, when it is not a webhook message
     */
    public static WebhookMessage fromJson(byte[] json) {
        String account = null;
        String request = null;
        String endpoint = null;
        Map<String, String> headers = new LinkedHashMap<>();
        byte[] body = null;
        int version = -1;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "v" -> {
                        if (value != JsonToken.VALUE_NUMBER_INT) {
                            throw new IllegalArgumentException("v: expected a whole number, found " + value);
                        }
                        version = p.getIntValue();
                    }
                    case "account" -> account = text(p, field);
                    case "request" -> request = text(p, field);
                    case "endpoint" -> endpoint = text(p, field);
                    case "headers" -> {
                        if (value != JsonToken.START_OBJECT) {
                            throw new IllegalArgumentException("headers: expected an object, found " + value);
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            p.nextToken();
                            headers.put(name, text(p, "headers." + name));
                        }
                    }
                    case "body" -> {
                        if (value != JsonToken.START_OBJECT && value != JsonToken.START_ARRAY) {
                            throw new IllegalArgumentException("body: expected an object or array, found " + value);
                        }
                        long from = p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                        long to = p.currentLocation().getByteOffset();
                        body = Arrays.copyOfRange(json, (int) from, (int) to);
                    }
                    case "body_base64" -> {
                        try {
                            body = Base64.getDecoder().decode(text(p, field));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("body_base64: " + e.getMessage(), e);
                        }
                    }
                    default -> p.skipChildren(); // a newer writer's addition
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IllegalArgumentException("more than one JSON object");
            }
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            // where, not what: the parser's message quotes the text, which may be the user's results
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new IllegalArgumentException("not JSON" + (at < 0 ? "" : " (at byte " + at + ")"), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading from memory", e);
        }
        if (version != VERSION) {
            throw new IllegalArgumentException("v: expected " + VERSION + ", found " + (version < 0 ? "none" : version));
        }
        for (var required : new String[][] {{"account", account}, {"request", request}, {"endpoint", endpoint}}) {
            if (required[1] == null || required[1].isEmpty()) {
                throw new IllegalArgumentException(required[0] + ": missing");
            }
        }
        if (body == null) {
            throw new IllegalArgumentException("body: missing");
        }
        try {
            return new WebhookMessage(account, request, new URI(endpoint), headers, body);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("endpoint: not a URI (" + e.getReason() + " at index " + e.getIndex() + ")", e);
        }
    }

    private static String text(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException(field + ": expected a string, found " + p.currentToken());
        }
        return p.getText();
    }

    /**
     * True when the body can stand in the message as it is: exactly one JSON object or array, valid
     * UTF-8 (it decodes and encodes back to the same bytes), with nothing SQS refuses in a body.
     */
    static boolean embeddable(byte[] body) {
        if (body.length == 0 || (body[0] != '{' && body[0] != '[')) {
            return false;
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (!Arrays.equals(text.getBytes(StandardCharsets.UTF_8), body)
                || text.indexOf('\uFFFE') >= 0 || text.indexOf('\uFFFF') >= 0) {
            return false;
        }
        try (JsonParser p = JSON.createParser(body)) {
            p.nextToken();
            p.skipChildren();
            return p.currentLocation().getByteOffset() == body.length && p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WebhookMessage m && account.equals(m.account) && requestId.equals(m.requestId)
                && endpoint.equals(m.endpoint) && headers.equals(m.headers) && Arrays.equals(body, m.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(account, requestId, endpoint, headers, Arrays.hashCode(body));
    }

    /** Without headers and body: they may hold the user's credentials and results, and this may end in a log. */
    @Override
    public String toString() {
        return "WebhookMessage[account=" + account + ", request=" + requestId + ", endpoint host=" + endpoint.getHost()
                + ", " + headers.size() + " header(s), " + body.length + " body bytes]";
    }
}

package io.visionflow.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The signature of Visionflow webhooks. Every delivery carries two headers:
 * <ul>
 *   <li>{@code X-Visionflow-Timestamp}: seconds since the epoch when this attempt was sent;</li>
 *   <li>{@code X-Visionflow-Signature}: {@code sha256=<hex>}, the HMAC-SHA256 with the account's
 *       webhook secret as key over the bytes of {@code timestamp + "." + body}.</li>
 * </ul>
 * Signing the timestamp with the body lets a receiver refuse replays: check the signature over the
 * raw body bytes as received (before any JSON parsing), then that the timestamp is recent.
 *
 * <pre>{@code
 * byte[] body = exchange.getRequestBody().readAllBytes();
 * String ts = exchange.getRequestHeaders().getFirst("X-Visionflow-Timestamp");
 * String sig = exchange.getRequestHeaders().getFirst("X-Visionflow-Signature");
 * if (!Webhook.verify(secret, ts, body, sig)
 *         || Math.abs(Instant.now().getEpochSecond() - Long.parseLong(ts)) > 300) {
 *     respond(401); // not from Visionflow, or replayed
 * }
 * }</pre>
 * A webhook may arrive more than once (a retry after an answer that was lost on the way back), so
 * receivers deduplicate on the request {@code id} of the body. In Python: {@code hmac.compare_digest("sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body,
 * hashlib.sha256).hexdigest(), sig)}.
 */
public final class Webhook {
    public static final String TIMESTAMP_HEADER = "X-Visionflow-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Visionflow-Signature";
    private static final String PREFIX = "sha256=";

    private Webhook() {
    }

    /** {@code sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>}. */
    public static String sign(String secret, String timestamp, byte[] body) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("a webhook secret must not be empty");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '.');
            return PREFIX + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }

    /**
     * True when {@code signature} is the signature of {@code body} sent at {@code timestamp}. The
     * comparison takes the same time wherever the first difference is, so it leaks nothing.
     */
    public static boolean verify(String secret, String timestamp, byte[] body, String signature) {
        if (secret == null || secret.isEmpty() || timestamp == null || body == null || signature == null) {
            return false;
        }
        byte[] expected = sign(secret, timestamp, body).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.trim().getBytes(StandardCharsets.US_ASCII));
    }
}

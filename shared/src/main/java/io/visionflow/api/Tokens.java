package io.visionflow.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * API tokens: 32 random bytes from a secure generator (64 hex characters), stored only as their
 * SHA-256. A token is found by looking its hash up (a map key, an SQLite primary key, a DynamoDB
 * GetItem), never by comparing tokens: whatever timing a lookup shows is about the hash, and a
 * matching hash needs a SHA-256 preimage, so there is no secret to compare in constant time.
 * Where two secrets are compared (webhook signatures, {@code Webhook.verify}), it is with
 * {@code MessageDigest.isEqual}, whose time depends on the lengths only.
 */
public final class Tokens {
    /** The shortest token an operator may choose (a generated one has 64 characters). */
    public static final int MIN_LENGTH = 16;
    /** Longer is never a token: refused before hashing or looking anything up. */
    public static final int MAX_LENGTH = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Tokens() {
    }

    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** A token an operator chose (an environment variable, a file): refused unless it is long enough to guess. */
    public static String checkChosen(String token, String where) {
        String t = token == null ? "" : token.strip();
        if (t.length() < MIN_LENGTH || t.length() > MAX_LENGTH || !t.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new IllegalArgumentException("the token in " + where + " must be " + MIN_LENGTH + " to " + MAX_LENGTH
                    + " printable ASCII characters without spaces (a generated one has 64); found " + t.length() + " characters");
        }
        return t;
    }

    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}

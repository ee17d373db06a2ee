package io.visionflow.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Builds and checks {@link BlobStore} keys, which file-backed adapters turn into paths. */
public final class BlobKeys {
    // no '/', no leading dot: a key can never climb out of the blob directory
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    private static final Pattern KEY = Pattern.compile(SEGMENT.pattern() + "/" + SEGMENT.pattern() + "/[0-9a-f]{64}");

    private BlobKeys() {
    }

    /** The key of these bytes; {@link IllegalArgumentException} when the account or kind cannot be a key segment. */
    public static String keyOf(String account, String kind, byte[] bytes) {
        requireSegment("account", account);
        requireSegment("kind", kind);
        return BlobStore.key(account, kind, sha256Hex(bytes));
    }

    /** True when {@code key} has the shape {@code <account>/<kind>/<sha256 hex>}. */
    public static boolean isValid(String key) {
        return key != null && KEY.matcher(key).matches();
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static void requireSegment(String what, String value) {
        if (value == null || !SEGMENT.matcher(value).matches()) {
            throw new IllegalArgumentException("blob " + what + " \"" + value
                    + "\" must be 1-128 letters, digits, '.', '_' or '-', not starting with '.'");
        }
    }
}

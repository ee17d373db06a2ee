package io.visionflow.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every {@link BlobStore} adapter must do; subclasses give a fresh, empty store. */
public abstract class BlobStoreContract {
    protected static final String A = "acct-a";
    protected static final String B = "acct-b";

    protected BlobStore store;

    protected abstract BlobStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void keysAreTheAccountKindAndSha256OfTheBytes() throws Exception {
        byte[] bytes = "model bytes".getBytes(StandardCharsets.UTF_8);

        String key = store.put(A, "models", bytes);

        assertThat(key).isEqualTo(A + "/models/" + sha256(bytes)).isEqualTo(BlobStore.key(A, "models", sha256(bytes)));
    }

    @Test
    void sameBytesGiveTheSameKeyWithinAnAccountAndKindOnly() {
        byte[] bytes = randomBytes(1000, 1);

        String k1 = store.put(A, "images", bytes);
        String k2 = store.put(A, "images", bytes.clone());

        assertThat(k2).isEqualTo(k1);
        assertThat(store.get(k1)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
        assertThat(store.put(B, "images", bytes)).isNotEqualTo(k1);
        assertThat(store.put(A, "models", bytes)).isNotEqualTo(k1);
        assertThat(store.put(A, "images", randomBytes(1000, 2))).isNotEqualTo(k1);
    }

    @Test
    void getReturnsTheStoredBytes() {
        byte[] small = "x".getBytes(StandardCharsets.UTF_8);
        byte[] large = randomBytes(3 * 1024 * 1024 + 17, 3);
        byte[] empty = new byte[0];

        String ks = store.put(A, "images", small);
        String kl = store.put(A, "models", large);
        String ke = store.put(A, "images", empty);

        assertThat(store.get(ks)).hasValueSatisfying(b -> assertThat(b).isEqualTo(small));
        assertThat(store.get(kl)).hasValueSatisfying(b -> assertThat(b).isEqualTo(large));
        assertThat(store.get(ke)).hasValueSatisfying(b -> assertThat(b).isEmpty());
    }

    @Test
    void returnedAndPassedArraysDoNotAliasTheStoredBlob() {
        byte[] bytes = randomBytes(64, 4);
        byte[] original = bytes.clone();
        String key = store.put(A, "images", bytes);
        bytes[0] ^= 1;
        store.get(key).orElseThrow()[1] ^= 1;

        assertThat(store.get(key)).hasValueSatisfying(b -> assertThat(b).isEqualTo(original));
    }

    @Test
    void missingKeysAreEmpty() throws Exception {
        assertThat(store.get(BlobStore.key(A, "images", sha256(new byte[]{1})))).isEmpty();
    }

    @Test
    void localFileHoldsTheBytes() throws Exception {
        byte[] model = randomBytes(200_000, 5);
        String key = store.put(A, "models", model);

        Path file = store.localFile(key);

        assertThat(Files.isRegularFile(file)).isTrue();
        assertThat(Files.readAllBytes(file)).isEqualTo(model);
        assertThat(Files.readAllBytes(store.localFile(key))).isEqualTo(model);
    }

    @Test
    void localFileOfAMissingBlobIsNotFound() {
        assertThatThrownBy(() -> store.localFile(BlobStore.key(A, "models", sha256(new byte[]{9}))))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void deleteRemovesTheBlob() throws Exception {
        byte[] bytes = randomBytes(100, 6);
        String key = store.put(A, "images", bytes);
        String kept = store.put(A, "images", randomBytes(100, 7));

        assertThat(store.delete(key)).isTrue();
        assertThat(store.get(key)).isEmpty();
        assertThat(store.delete(key)).isFalse();
        assertThatThrownBy(() -> store.localFile(key)).isInstanceOf(NotFoundException.class);
        assertThat(store.get(kept)).isPresent();

        assertThat(store.put(A, "images", bytes)).isEqualTo(key);
        assertThat(store.get(key)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
    }
}

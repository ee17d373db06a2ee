package io.visionflow.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Model files and request images. Keys are content-addressed within an account and a kind
 * ({@code <account>/<kind>/<sha256 hex>}), so storing the same bytes twice stores them once.
 */
public interface BlobStore {
    /** Stores bytes and returns their key. */
    String put(String account, String kind, byte[] bytes);

    Optional<byte[]> get(String key);

    /**
     * A local file with the blob's bytes (ONNX Runtime opens models by path): the stored file
     * itself, or a copy cached on local disk by adapters that keep blobs elsewhere.
     */
    Path localFile(String key) throws IOException;

    /** True when it existed. */
    boolean delete(String key);

    static String key(String account, String kind, String sha256Hex) {
        return account + "/" + kind + "/" + sha256Hex;
    }
}

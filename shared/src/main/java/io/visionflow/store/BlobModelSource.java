package io.visionflow.store;

import io.visionflow.task.ModelSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Models uploaded to the blob store: a task's model id is either a full blob key or the model's
 * sha256 (what model upload answers), taken as a model of the account. A key of another account
 * is refused, so an account runs only models it uploaded.
 */
public final class BlobModelSource implements ModelSource {
    /** Blob kind of uploaded models. */
    public static final String MODEL_KIND = "model";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final BlobStore blobs;
    private final String account;

    public BlobModelSource(BlobStore blobs, String account) {
        this.blobs = blobs;
        this.account = account;
    }

    /** The blob key of an account's model id; {@link IOException} when it names no model of that account. */
    public static String qualify(String account, String modelId) throws IOException {
        String key = modelId != null && SHA256.matcher(modelId).matches()
                ? BlobStore.key(account, MODEL_KIND, modelId) : modelId;
        if (!BlobKeys.isValid(key) || !key.startsWith(account + "/" + MODEL_KIND + "/")) {
            throw new IOException("model \"" + modelId + "\" is not an uploaded model id (a sha256)");
        }
        return key;
    }

    /**
     * A source of models named by their full keys only ({@link #qualify} done by the caller): the
     * model worker serves every account with one source, so its sessions are cached per key.
     */
    public static ModelSource byKey(BlobStore blobs) {
        return key -> {
            if (!BlobKeys.isValid(key)) {
                throw new IOException("model \"" + key + "\" is not an uploaded model id (a sha256)");
            }
            return file(blobs, key, key);
        };
    }

    @Override
    public Path file(String modelId) throws IOException {
        return file(blobs, qualify(account, modelId), modelId);
    }

    private static Path file(BlobStore blobs, String key, String modelId) throws IOException {
        try {
            return blobs.localFile(key);
        } catch (NotFoundException e) {
            throw new IOException("model \"" + modelId + "\" was not uploaded", e);
        }
    }
}

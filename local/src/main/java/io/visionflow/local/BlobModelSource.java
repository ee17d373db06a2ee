package io.visionflow.local;

import io.visionflow.store.BlobKeys;
import io.visionflow.store.BlobStore;
import io.visionflow.store.NotFoundException;
import io.visionflow.task.ModelSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Models uploaded to the blob store: a task's model id is either a full blob key or the model's
 * sha256 (what model upload answers), taken as a model of the local account.
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

    @Override
    public Path file(String modelId) throws IOException {
        String key = SHA256.matcher(modelId).matches() ? BlobStore.key(account, MODEL_KIND, modelId) : modelId;
        if (!BlobKeys.isValid(key)) {
            throw new IOException("model \"" + modelId + "\" is not an uploaded model id (a sha256)");
        }
        try {
            return blobs.localFile(key);
        } catch (NotFoundException e) {
            throw new IOException("model \"" + modelId + "\" was not uploaded", e);
        }
    }
}

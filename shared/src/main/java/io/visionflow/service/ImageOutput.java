package io.visionflow.service;

import io.visionflow.image.BlobImageStore;
import io.visionflow.image.ImageRef;
import io.visionflow.image.ImageStore;
import io.visionflow.store.BlobKeys;
import io.visionflow.task.TaskException;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Optional;

/**
 * Where a service puts an image it returns (the cut-out and mask of {@code remove_background},
 * the result of {@code upscale}): inline as a {@code data:image/png;base64,} URI ({@link #INLINE},
 * the default), or stored as a PNG blob of the account and answered as the URL that serves it
 * (a request with {@code "store_images": true}).
 */
public interface ImageOutput {
    /** Images as data URIs in the output itself. */
    ImageOutput INLINE = PngData::uri;

    /** The value the output gives for {@code image}: a data URI, or the URL of the stored image. */
    String write(BufferedImage image) throws TaskException;

    /** The prefix of the URLs of stored images, to which the image id is appended; empty when images are inlined. */
    default Optional<String> urlPrefix() {
        return Optional.empty();
    }

    /**
     * Images stored in {@code store}, which must keep them as blobs of kind {@code image} (a
     * {@link BlobImageStore}); the URL is {@code urlPrefix} followed by the image's sha256.
     */
    static ImageOutput stored(ImageStore store, String urlPrefix) {
        return new Stored(store, urlPrefix);
    }

    /** The id of a stored image in its URL: the sha256 of its PNG (the last segment of its blob key). */
    static String imageId(ImageRef ref) throws TaskException {
        String key = ref.id();
        if (!BlobKeys.isValid(key) || !key.contains("/" + BlobImageStore.KIND + "/")) {
            throw new TaskException(500, "this host keeps no images beyond the request, so store_images is not available");
        }
        return key.substring(key.lastIndexOf('/') + 1);
    }

    record Stored(ImageStore store, String prefix) implements ImageOutput {
        @Override
        public String write(BufferedImage image) throws TaskException {
            try {
                return prefix + imageId(store.put(image));
            } catch (IOException e) {
                throw new TaskException(503, "cannot store the image: " + e.getMessage(), e);
            }
        }

        @Override
        public Optional<String> urlPrefix() {
            return Optional.of(prefix);
        }
    }
}

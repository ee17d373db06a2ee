package io.visionflow.image;

import io.visionflow.store.BlobStore;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Images of an account's runs as blobs (S3 in the cloud), so that a step can run in another
 * function than the one that decoded the record: the reference is the blob key. Images are
 * stored as PNG, which is lossless, so a worker sees exactly the pixels the API function decoded
 * and a remote run gives the results of a local one. Keys are content-addressed under the
 * {@code image} kind, which the bucket's lifecycle rule expires.
 */
public final class BlobImageStore implements ImageStore {
    /** Blob kind of request images and crops. */
    public static final String KIND = "image";
    /** Bound of the default decoded-image cache, in pixels (about 256 MB as int RGB). */
    public static final long DEFAULT_CACHE_PIXELS = 64_000_000L;

    private final BlobStore blobs;
    private final String account;
    private final Cache cache;

    /**
     * @param cache decoded images shared across runs (keys are content addresses, so an entry is
     *              never stale); one per process
     */
    public BlobImageStore(BlobStore blobs, String account, Cache cache) {
        this.blobs = blobs;
        this.account = account;
        this.cache = cache;
    }

    @Override
    public ImageRef put(BufferedImage image) throws IOException {
        byte[] png = Png.encode(image);
        String key;
        try {
            key = blobs.put(account, KIND, png);
        } catch (RuntimeException e) {
            throw new IOException("cannot store an image: " + e.getMessage(), e);
        }
        cache.put(key, image);
        return new ImageRef(key, image.getWidth(), image.getHeight());
    }

    @Override
    public BufferedImage load(ImageRef ref) throws IOException {
        if (!ref.id().startsWith(account + "/" + KIND + "/")) {
            // a reference into another account's images is never followed, not even from the cache
            throw new IOException("image " + ref.id() + " is not an image of this account");
        }
        BufferedImage cached = cache.get(ref.id());
        if (cached != null) {
            return cached;
        }
        byte[] bytes;
        try {
            bytes = blobs.get(ref.id()).orElseThrow(() -> new IOException("image " + ref.id() + " is gone (expired or never stored)"));
        } catch (RuntimeException e) {
            throw new IOException("cannot read image " + ref.id() + ": " + e.getMessage(), e);
        }
        BufferedImage image;
        try {
            // our own PNG: sized by an earlier decode, so only the generous limits of a crop apply
            image = ImageDecoder.decode(bytes, ImageLimits.defaults().withMaxBytes(Long.MAX_VALUE >> 1));
        } catch (ImageException e) {
            throw new IOException("image " + ref.id() + " is not readable: " + e.getMessage(), e);
        }
        if (image.getWidth() != ref.width() || image.getHeight() != ref.height()) {
            throw new IOException("image " + ref.id() + " is " + image.getWidth() + "x" + image.getHeight()
                    + ", its reference says " + ref.width() + "x" + ref.height());
        }
        cache.put(ref.id(), image);
        return image;
    }

    /**
     * Decoded images by key, least recently used first out, bounded by their total pixel count:
     * the worker that analyses several crops of one photo downloads and decodes it once.
     */
    public static final class Cache {
        private final long maxPixels;
        private long pixels;
        private final LinkedHashMap<String, BufferedImage> entries = new LinkedHashMap<>(16, 0.75f, true);

        public Cache(long maxPixels) {
            this.maxPixels = maxPixels;
        }

        public Cache() {
            this(DEFAULT_CACHE_PIXELS);
        }

        synchronized BufferedImage get(String key) {
            return entries.get(key);
        }

        synchronized void put(String key, BufferedImage image) {
            long size = (long) image.getWidth() * image.getHeight();
            if (size > maxPixels) {
                return;
            }
            BufferedImage old = entries.put(key, image);
            if (old != null) {
                pixels -= (long) old.getWidth() * old.getHeight();
            }
            pixels += size;
            var it = entries.entrySet().iterator();
            while (pixels > maxPixels && it.hasNext()) {
                Map.Entry<String, BufferedImage> eldest = it.next();
                pixels -= (long) eldest.getValue().getWidth() * eldest.getValue().getHeight();
                it.remove();
            }
        }

        public synchronized int size() {
            return entries.size();
        }
    }
}

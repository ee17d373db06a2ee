package io.visionflow.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Images of one in-process request, kept in memory and dropped with the request. */
public final class MemoryImageStore implements ImageStore {
    private final Map<String, BufferedImage> images = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong();
    // unique to this store: a reference that reaches another store (another process's) is not found
    // there, instead of naming one of its images
    private final String prefix = "mem-" + UUID.randomUUID() + "-";

    @Override
    public ImageRef put(BufferedImage image) {
        String id = prefix + next.incrementAndGet();
        images.put(id, image);
        return new ImageRef(id, image.getWidth(), image.getHeight());
    }

    @Override
    public BufferedImage load(ImageRef ref) throws IOException {
        BufferedImage image = images.get(ref.id());
        if (image == null) {
            throw new IOException("no image " + ref.id() + " in this request");
        }
        return image;
    }

    public int size() {
        return images.size();
    }
}

package io.visionflow.store.memory;

import io.visionflow.store.BlobKeys;
import io.visionflow.store.BlobStore;
import io.visionflow.store.NotFoundException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Blobs in memory; {@link #localFile} writes a copy into a temporary directory on first use,
 * as a cloud adapter caches its objects on local disk.
 */
public final class MemoryBlobStore implements BlobStore {
    private final ConcurrentMap<String, byte[]> blobs = new ConcurrentHashMap<>();
    private volatile Path cacheDir;

    @Override
    public String put(String account, String kind, byte[] bytes) {
        String key = BlobKeys.keyOf(account, kind, bytes);
        blobs.putIfAbsent(key, bytes.clone());
        return key;
    }

    @Override
    public Optional<byte[]> get(String key) {
        byte[] b = blobs.get(key);
        return b == null ? Optional.empty() : Optional.of(b.clone());
    }

    @Override
    public Path localFile(String key) throws IOException {
        byte[] b = blobs.get(key);
        if (b == null) {
            throw new NotFoundException("no blob " + key);
        }
        Path file = cacheFile(key);
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".tmp-", "");
            Files.write(tmp, b);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    @Override
    public boolean delete(String key) {
        boolean existed = blobs.remove(key) != null;
        if (existed && BlobKeys.isValid(key)) {
            try {
                Files.deleteIfExists(cacheFile(key));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return existed;
    }

    private Path cacheFile(String key) throws IOException {
        if (cacheDir == null) {
            synchronized (this) {
                if (cacheDir == null) {
                    Path dir = Files.createTempDirectory("visionflow-blobs-");
                    dir.toFile().deleteOnExit();
                    cacheDir = dir;
                }
            }
        }
        return cacheDir.resolve(key);
    }
}

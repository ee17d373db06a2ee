package io.visionflow.local.store;

import io.visionflow.store.BlobKeys;
import io.visionflow.store.BlobStore;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.StoreException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Blobs as files {@code <root>/<account>/<kind>/<sha256>}. A file appears only complete: it is
 * written to a temporary file, fsynced, then renamed atomically, so a crash leaves either the
 * whole blob or none (plus at most a stray {@code .tmp-} file). Keys are checked by
 * {@link BlobKeys} before they become paths.
 */
public final class FileBlobStore implements BlobStore {
    private final Path root;

    public FileBlobStore(Path root) {
        this.root = root;
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new StoreException("cannot create the blob directory " + root, e);
        }
    }

    @Override
    public String put(String account, String kind, byte[] bytes) {
        String key = BlobKeys.keyOf(account, kind, bytes);
        Path target = root.resolve(key);
        if (Files.isRegularFile(target)) {
            return key; // same key, same bytes
        }
        Path dir = target.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, ".tmp-", "");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            // a concurrent put of the same bytes may win the rename; either file is the same blob
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            syncDirectory(dir);
            return key;
        } catch (IOException e) {
            throw new StoreException("cannot store blob " + key + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a stray temporary file is harmless; the failure above is what matters
                }
            }
        }
    }

    // the rename is durable only once the directory entry is on disk
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some platforms cannot open or fsync a directory; the file itself is already synced
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        if (!BlobKeys.isValid(key)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllBytes(root.resolve(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read blob " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path localFile(String key) {
        Path file = BlobKeys.isValid(key) ? root.resolve(key) : null;
        if (file == null || !Files.isRegularFile(file)) {
            throw new NotFoundException("no blob " + key);
        }
        return file;
    }

    @Override
    public boolean delete(String key) {
        if (!BlobKeys.isValid(key)) {
            return false;
        }
        try {
            return Files.deleteIfExists(root.resolve(key));
        } catch (IOException e) {
            throw new StoreException("cannot delete blob " + key + ": " + e.getMessage(), e);
        }
    }
}

package io.visionflow.image;

import javax.imageio.IIOException;
import javax.imageio.stream.ImageInputStreamImpl;
import java.io.IOException;
import java.util.Objects;

/**
 * An in-memory image stream that fails once a reader keeps reading at the end of the data.
 *
 * <p>TwelveMonkeys' WebP lossless (VP8L) bit reader treats the end of the data as an endless run
 * of bits: a 44-byte file that declares 65536 prefix-code groups made it build every group from
 * those bits, 16 s and 35 GB of allocations for a 64×32 image. A valid image reaches the end only
 * while its reader looks ahead over the last bytes (at most a few hundred times in the images we
 * tried, lossless and lossy, 38 bytes to 270 KB), so thousands of reads there mean the data ran
 * out before the image did. Counting them is deterministic, unlike a time budget, and costs
 * nothing on the normal path.
 */
final class EndBoundedImageInputStream extends ImageInputStreamImpl {

    /** Reads at or past the end that are still looked-ahead bytes; far more is a broken stream. */
    static final int MAX_READS_AT_END = 4096;

    private final byte[] data;
    private int readsAtEnd;

    EndBoundedImageInputStream(byte[] data) {
        this.data = data;
    }

    @Override
    public int read() throws IOException {
        checkClosed();
        bitOffset = 0;
        if (streamPos >= data.length) {
            atEnd();
            return -1;
        }
        return data[(int) streamPos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkClosed();
        Objects.checkFromIndexSize(off, len, b.length);
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        int available = (int) Math.max(0, data.length - streamPos);
        if (available < len) {
            atEnd();
        }
        if (available == 0) {
            return -1;
        }
        int n = Math.min(len, available);
        System.arraycopy(data, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return data.length;
    }

    @Override
    public boolean isCached() {
        return true;
    }

    @Override
    public boolean isCachedMemory() {
        return true;
    }

    private void atEnd() throws Exhausted {
        if (++readsAtEnd > MAX_READS_AT_END) {
            throw new Exhausted();
        }
    }

    /** Thrown instead of a reader's own outcome once it has read at the end too often. */
    static final class Exhausted extends IIOException {
        Exhausted() {
            super("read " + MAX_READS_AT_END + " times past the end of the data");
        }
    }
}

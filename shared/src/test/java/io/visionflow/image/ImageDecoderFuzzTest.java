package io.visionflow.image;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;

import static io.visionflow.image.TestImages.encode;
import static io.visionflow.image.TestImages.quadrants;
import static io.visionflow.image.TestImages.resource;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever the bytes, decoding ends in an image or an {@link ImageException}: never another
 * exception, and never more memory than the limits allow for.
 */
class ImageDecoderFuzzTest {


    /** 1 MP: the property checks that memory follows the limit, so the limit is kept small. */
    private static final ImageLimits LIMITS = new ImageLimits(1024 * 1024, 1_000_000, 4096);
    /**
     * What one decode may allocate in all (garbage included) at 1 MP: int RGB is 4 MB, but
     * TwelveMonkeys' VP8 (lossy WebP) decoder allocates about 120 bytes a pixel in macroblocks
     * (116 MB for a valid 1000×1000 image), so the bound is over that; the bombs it is there for
     * allocated 850 MB to 35 GB.
     */
    private static final long MAX_ALLOCATED = 192L * 1024 * 1024;

    private static final List<byte[]> VALID = List.of(
            encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "jpeg"),
            encode(quadrants(BufferedImage.TYPE_INT_ARGB), "png"),
            encode(quadrants(BufferedImage.TYPE_BYTE_INDEXED), "png"),
            encode(quadrants(BufferedImage.TYPE_BYTE_INDEXED), "gif"),
            encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "bmp"),
            resource("quadrants-lossless.webp"),
            resource("quadrants-lossy.webp"),
            resource("alpha-lossless.webp"),
            resource("orientation-6.webp"),
            resource("orientation-6.jpg"),
            resource("orientation-6.png"),
            resource("cmyk.jpg"));

    @Property(tries = 300)
    void randomBytesOnlyEverFailWithImageException(@ForAll @Size(max = 2048) byte[] bytes) {
        decodeBounded(bytes);
    }

    /** Random bytes behind a real signature reach the format readers instead of the sniffer. */
    @Property(tries = 300)
    void randomBodiesBehindImageSignaturesOnlyEverFailWithImageException(
            @ForAll("signatures") byte[] signature, @ForAll @Size(max = 2048) byte[] body) {
        byte[] bytes = Arrays.copyOf(signature, signature.length + body.length);
        System.arraycopy(body, 0, bytes, signature.length, body.length);
        decodeBounded(bytes);
    }

    @Provide
    Arbitrary<byte[]> signatures() {
        return Arbitraries.of(
                new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF},
                new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A},
                new byte[] {'G', 'I', 'F', '8', '9', 'a'},
                new byte[] {'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0},
                new byte[] {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L'},
                new byte[] {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' '},
                new byte[] {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X'});
    }

    @Property(tries = 300)
    void mutatedImagesOnlyEverFailWithImageException(@ForAll("mutatedImages") byte[] bytes) {
        decodeBounded(bytes);
    }

    /** A valid image with some bits flipped (often in its header) and maybe its tail cut. */
    @Provide
    Arbitrary<byte[]> mutatedImages() {
        Arbitrary<byte[]> base = Arbitraries.of(VALID);
        Arbitrary<List<Integer>> flips = Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMaxSize(16);
        Arbitrary<Boolean> headerBias = Arbitraries.of(true, false);
        Arbitrary<Double> keep = Arbitraries.doubles().between(0.0, 1.0).injectDuplicates(0.3).edgeCases(c -> c.add(1.0));
        return Combinators.combine(base, flips, headerBias, keep).as((image, positions, header, fraction) -> {
            byte[] bytes = image.clone();
            for (int p : positions) {
                int range = header ? Math.min(bytes.length, 64) : bytes.length;
                int bit = p % (range * 8);
                bytes[bit / 8] ^= (byte) (1 << (bit % 8));
            }
            int length = Math.max(0, (int) Math.round(bytes.length * fraction));
            return Arrays.copyOf(bytes, length);
        });
    }

    /**
     * Real images whose header now declares another canvas (PNG with a valid IHDR checksum, the GIF
     * logical screen or first frame, the JPEG frame header, the BMP info header), from 0 to 65535 px
     * a side and beyond: a canvas over the limits is refused with 413 from the header, before any
     * pixel is decoded, and nothing else ever escapes.
     */
    @Property(tries = 300)
    void declaredCanvasesOverTheLimitsAre413BeforeDecoding(@ForAll("declaredCanvases") Declared d) {
        int status = decodeBounded(d.bytes());
        boolean over = (long) d.width() * d.height() > LIMITS.maxPixels() || d.width() > LIMITS.maxSide()
                || d.height() > LIMITS.maxSide();
        if (over && d.width() > 0 && d.height() > 0) {
            assertThat(status).as(d.toString()).isEqualTo(413);
        }
    }

    record Declared(String format, int width, int height, byte[] bytes) {
        @Override
        public String toString() {
            return format + " declaring " + width + "×" + height;
        }
    }

    @Provide
    Arbitrary<Declared> declaredCanvases() {
        Arbitrary<Integer> side = Arbitraries.oneOf(Arbitraries.integers().between(0, 65_535),
                Arbitraries.integers().between(900, 1100), Arbitraries.of(0, 1, 4096, 4097, 65_535));
        Arbitrary<String> format = Arbitraries.of("png", "gif-screen", "gif-frame", "jpeg", "bmp");
        return Combinators.combine(format, side, side).as((f, w, h) -> new Declared(f, w, h, declare(f, w, h)));
    }

    private static final byte[] PNG = encode(quadrants(BufferedImage.TYPE_INT_ARGB), "png");
    private static final byte[] GIF = encode(quadrants(BufferedImage.TYPE_BYTE_INDEXED), "gif");
    private static final byte[] JPEG = encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "jpeg");
    private static final byte[] BMP = encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "bmp");

    private static byte[] declare(String format, int w, int h) {
        return switch (format) {
            case "png" -> {
                byte[] b = PNG.clone(); // IHDR data at 16..28, its CRC at 29..32
                putInt(b, 16, w);
                putInt(b, 20, h);
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(b, 12, 17);
                putInt(b, 29, (int) crc.getValue());
                yield b;
            }
            case "gif-screen" -> {
                byte[] b = GIF.clone();
                putU16le(b, 6, w);
                putU16le(b, 8, h);
                yield b;
            }
            case "gif-frame" -> {
                byte[] b = GIF.clone();
                int at = gifFirstImageDescriptor(b);
                putU16le(b, at + 5, w);
                putU16le(b, at + 7, h);
                yield b;
            }
            case "jpeg" -> {
                byte[] b = JPEG.clone();
                int at = jpegFrameHeader(b);
                b[at + 5] = (byte) (h >> 8);
                b[at + 6] = (byte) h;
                b[at + 7] = (byte) (w >> 8);
                b[at + 8] = (byte) w;
                yield b;
            }
            case "bmp" -> {
                byte[] b = BMP.clone(); // BITMAPINFOHEADER width and height at 18 and 22
                putIntLe(b, 18, w);
                putIntLe(b, 22, h);
                yield b;
            }
            default -> throw new IllegalArgumentException(format);
        };
    }

    private static int gifFirstImageDescriptor(byte[] b) {
        int at = 13 + ((b[10] & 0x80) != 0 ? 3 << ((b[10] & 7) + 1) : 0);
        while (b[at] == 0x21) { // extension: label, then sub-blocks up to a zero length
            at += 2;
            while (b[at] != 0) {
                at += (b[at] & 0xff) + 1;
            }
            at++;
        }
        assertThat(b[at]).isEqualTo((byte) 0x2C);
        return at;
    }

    private static int jpegFrameHeader(byte[] b) {
        for (int at = 2; at + 9 < b.length; ) {
            int marker = b[at + 1] & 0xff;
            if (marker >= 0xC0 && marker <= 0xC2) {
                return at;
            }
            at += 2 + ((b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff));
        }
        throw new AssertionError("no JPEG frame header");
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static void putIntLe(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static void putU16le(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    /** Decodes within the limits and bounded memory; 0 for an image, else the status of the refusal. */
    private static int decodeBounded(byte[] bytes) {
        long before = ImageDecoderTest.allocatedBytes();
        int status = 0;
        try {
            BufferedImage image = ImageDecoder.decode(bytes, LIMITS);
            assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
            assertThat((long) image.getWidth() * image.getHeight()).isLessThanOrEqualTo(LIMITS.maxPixels());
        } catch (ImageException e) {
            assertThat(e.status()).isIn(400, 413);
            assertThat(e.getMessage()).isNotBlank();
            status = e.status();
        }
        assertThat(ImageDecoderTest.allocatedBytes() - before).as("bytes allocated by one decode")
                .isLessThan(MAX_ALLOCATED);
        return status;
    }
}

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
    /** 1 MP as int RGB is 4 MB; source raster, converted copy and rotation stay well under this. */
    private static final long MAX_ALLOCATED = 64L * 1024 * 1024;

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

    private static void decodeBounded(byte[] bytes) {
        long before = ImageDecoderTest.allocatedBytes();
        try {
            BufferedImage image = ImageDecoder.decode(bytes, LIMITS);
            assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
            assertThat((long) image.getWidth() * image.getHeight()).isLessThanOrEqualTo(LIMITS.maxPixels());
        } catch (ImageException e) {
            assertThat(e.status()).isIn(400, 413);
            assertThat(e.getMessage()).isNotBlank();
        }
        assertThat(ImageDecoderTest.allocatedBytes() - before).as("bytes allocated by one decode")
                .isLessThan(MAX_ALLOCATED);
    }
}

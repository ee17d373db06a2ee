package io.visionflow.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static io.visionflow.image.TestImages.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ImageDecoderTest {

    // --- formats and colours -------------------------------------------------------------------

    @Test
    void decodesJpeg() throws Exception {
        byte[] jpeg = encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        assertThat(ImageFormat.detect(jpeg)).contains(ImageFormat.JPEG);
        assertQuadrants(ImageDecoder.decode(jpeg, ImageLimits.defaults()), 24);
    }

    @Test
    void decodesPngExactly() throws Exception {
        byte[] png = encode(quadrants(BufferedImage.TYPE_INT_RGB), "png");
        assertThat(ImageFormat.detect(png)).contains(ImageFormat.PNG);
        assertQuadrants(ImageDecoder.decode(png), 0);
    }

    @Test
    void decodesGif() throws Exception {
        byte[] gif = encode(quadrants(BufferedImage.TYPE_BYTE_INDEXED), "gif");
        assertThat(ImageFormat.detect(gif)).contains(ImageFormat.GIF);
        assertQuadrants(ImageDecoder.decode(gif), 0);
    }

    @Test
    void decodesBmp() throws Exception {
        byte[] bmp = encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "bmp");
        assertThat(ImageFormat.detect(bmp)).contains(ImageFormat.BMP);
        assertQuadrants(ImageDecoder.decode(bmp), 0);
    }

    @Test
    void decodesLosslessWebpExactly() throws Exception {
        byte[] webp = resource("quadrants-lossless.webp");
        assertThat(ImageFormat.detect(webp)).contains(ImageFormat.WEBP);
        assertQuadrants(ImageDecoder.decode(webp), 0);
    }

    @Test
    void decodesLossyWebp() throws Exception {
        assertQuadrants(ImageDecoder.decode(resource("quadrants-lossy.webp")), 40);
    }

    @Test
    void compositesWebpAlphaOnWhite() throws Exception {
        BufferedImage image = ImageDecoder.decode(resource("alpha-lossless.webp"));
        assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertColor(image, 4, 4, RED, 0);
        assertColor(image, 50, 20, WHITE, 0);
    }

    @Test
    void compositesPngAlphaOnWhite() throws Exception {
        BufferedImage argb = new BufferedImage(4, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0xFFFF0000); // opaque red
        argb.setRGB(1, 0, 0x00000000); // fully transparent black
        argb.setRGB(2, 0, 0x800000FF); // half-transparent blue
        BufferedImage image = ImageDecoder.decode(encode(argb, "png"));
        assertColor(image, 0, 0, RED, 0);
        assertColor(image, 1, 0, WHITE, 0);
        assertColor(image, 2, 0, 0x7F7FFF, 1);
    }

    @Test
    void convertsCmykJpeg() throws Exception {
        assertQuadrants(ImageDecoder.decode(resource("cmyk.jpg")), 40);
    }

    @Test
    void convertsEmbeddedColourProfileToSrgb() throws Exception {
        // Stored samples are (40,160,90) in Adobe RGB; ImageMagick converts them to sRGB (0,161,84).
        assertColor(ImageDecoder.decode(resource("adobe-rgb.jpg")), 8, 8, 0x00A154, 3);
    }

    @Test
    void keepsGrayLevelsOfGrayscaleJpegAndPng() throws Exception {
        BufferedImage gray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = gray.createGraphics();
        g.setColor(new Color(100, 100, 100));
        g.fillRect(0, 0, 16, 16);
        g.dispose();
        assertColor(ImageDecoder.decode(encode(gray, "png")), 8, 8, 0x646464, 0);
        assertColor(ImageDecoder.decode(encode(gray, "jpeg")), 8, 8, 0x646464, 3);
    }

    @Test
    void converts16BitGrayPng() throws Exception {
        BufferedImage gray16 = new BufferedImage(8, 8, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster raster = gray16.getRaster();
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                raster.setSample(x, y, 0, 100 * 257); // 100 in 8 bits
            }
        }
        assertColor(ImageDecoder.decode(encode(gray16, "png")), 3, 3, 0x646464, 0);
    }

    @Test
    void convertsGrayWithAlphaPng() throws Exception {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster raster = cm.createCompatibleWritableRaster(4, 1);
        raster.setPixel(0, 0, new int[] {100, 255}); // opaque gray 100
        raster.setPixel(1, 0, new int[] {0, 0});     // transparent
        raster.setPixel(2, 0, new int[] {0, 128});   // half-transparent black
        BufferedImage image = ImageDecoder.decode(encode(new BufferedImage(cm, raster, false, null), "png"));
        assertColor(image, 0, 0, 0x646464, 0);
        assertColor(image, 1, 0, WHITE, 0);
        assertColor(image, 2, 0, 0x7F7F7F, 1);
    }

    @Test
    void converts16BitRgbPng() throws Exception {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_USHORT, 64, 32, 3, null);
        BufferedImage rgb16 = new BufferedImage(cm, raster, false, null);
        BufferedImage reference = quadrants(BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                int c = reference.getRGB(x, y);
                raster.setPixel(x, y, new int[] {(c >> 16 & 0xFF) * 257, (c >> 8 & 0xFF) * 257, (c & 0xFF) * 257});
            }
        }
        assertQuadrants(ImageDecoder.decode(encode(rgb16, "png")), 0);
    }

    @Test
    void convertsPalettePng() throws Exception {
        assertQuadrants(ImageDecoder.decode(encode(quadrants(BufferedImage.TYPE_BYTE_INDEXED), "png")), 0);
    }

    @Test
    void ignoresTextChunksOfPng() throws Exception {
        byte[] png = encode(quadrants(BufferedImage.TYPE_INT_RGB), "png");
        // A zTXt chunk is inflated by the JDK reader without a bound; ours never reaches it.
        byte[] withText = insertAfterIhdr(png, pngChunk("zTXt", "Comment\0\0garbage-not-zlib".getBytes(StandardCharsets.ISO_8859_1)));
        assertQuadrants(ImageDecoder.decode(withText), 0);
    }

    // --- orientation ---------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {3, 6, 8})
    void appliesJpegExifOrientation(int orientation) throws Exception {
        byte[] jpeg = resource("orientation-" + orientation + ".jpg");
        ImageInfo info = ImageDecoder.probe(jpeg);
        assertThat(info).isEqualTo(new ImageInfo(ImageFormat.JPEG, 64, 32, orientation));
        assertQuadrants(ImageDecoder.decode(jpeg), 8);
    }

    @Test
    void appliesPngExifOrientation() throws Exception {
        byte[] png = resource("orientation-6.png");
        assertThat(ImageDecoder.probe(png)).isEqualTo(new ImageInfo(ImageFormat.PNG, 64, 32, 6));
        assertQuadrants(ImageDecoder.decode(png), 0);
    }

    @Test
    void appliesWebpExifOrientation() throws Exception {
        byte[] webp = resource("orientation-6.webp");
        assertThat(ImageDecoder.probe(webp)).isEqualTo(new ImageInfo(ImageFormat.WEBP, 64, 32, 6));
        assertQuadrants(ImageDecoder.decode(webp), 0);
    }

    /** Where the stored top-left and top-right pixels end up on screen, per EXIF orientation. */
    @ParameterizedTest
    @CsvSource({
            "1, 0,0, 2,0",
            "2, 2,0, 0,0",
            "3, 2,1, 0,1",
            "4, 0,1, 2,1",
            "5, 0,0, 0,2",
            "6, 1,0, 1,2",
            "7, 1,2, 1,0",
            "8, 0,2, 0,0",
    })
    void orientsEveryExifValue(int orientation, int tlX, int tlY, int trX, int trY) {
        BufferedImage stored = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        stored.setRGB(0, 0, RED);
        stored.setRGB(2, 0, GREEN);
        BufferedImage shown = ImageDecoder.orient(stored, orientation);
        assertThat(shown.getWidth()).isEqualTo(orientation >= 5 ? 2 : 3);
        assertThat(shown.getRGB(tlX, tlY) & 0xFFFFFF).isEqualTo(RED);
        assertThat(shown.getRGB(trX, trY) & 0xFFFFFF).isEqualTo(GREEN);
    }

    @Test
    void probeReadsHeaderOnly() throws Exception {
        byte[] png = encode(quadrants(BufferedImage.TYPE_INT_RGB), "png");
        assertThat(ImageDecoder.probe(png)).isEqualTo(new ImageInfo(ImageFormat.PNG, 64, 32, 1));
        assertThat(ImageDecoder.probe(pngHeaderOnly(100_000, 100_000)))
                .isEqualTo(new ImageInfo(ImageFormat.PNG, 100_000, 100_000, 1));
    }

    // --- limits (decompression bombs) ----------------------------------------------------------

    @Test
    void refusesPngDeclaringHugeCanvasWithoutAllocatingIt() {
        byte[] bomb = pngHeaderOnly(100_000, 100_000);
        long before = allocatedBytes();
        long start = System.nanoTime();
        ImageException e = catchThrowableOfType(ImageException.class, () -> ImageDecoder.decode(bomb, ImageLimits.defaults()));
        long millis = (System.nanoTime() - start) / 1_000_000;
        long allocated = allocatedBytes() - before;
        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(413);
        assertThat(e.getMessage()).isEqualTo("image is 100000×100000 = 10000 MP, over the limit of 50 MP");
        assertThat(millis).isLessThan(2_000);
        assertThat(allocated).as("bytes allocated").isLessThan(16L * 1024 * 1024);
    }

    @Test
    void refusesGifWithHugeLogicalScreen() {
        byte[] gif = encode(quadrants(BufferedImage.TYPE_BYTE_INDEXED), "gif");
        gif[6] = gif[7] = gif[8] = gif[9] = (byte) 0xFF; // logical screen 65535×65535
        assertStatus(gif, ImageLimits.defaults(), 413, "65535×65535");
    }

    @Test
    void refusesJpegDeclaringHugeCanvas() {
        byte[] jpeg = encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        int sof = indexOf(jpeg, new byte[] {(byte) 0xFF, (byte) 0xC0});
        jpeg[sof + 5] = jpeg[sof + 6] = jpeg[sof + 7] = jpeg[sof + 8] = (byte) 0xFF; // height, width 65535
        assertStatus(jpeg, ImageLimits.defaults(), 413, "65535×65535");
    }

    @Test
    void refusesWebpDeclaringHugeCanvas() {
        byte[] webp = resource("quadrants-lossless.webp");
        // VP8L header after "RIFF....WEBPVP8L<size>" and the 0x2f signature: 14-bit width-1 and height-1.
        webp[21] = (byte) 0xFF;
        webp[22] = (byte) 0xFF;
        webp[23] = (byte) 0xFF;
        webp[24] = (byte) (webp[24] | 0x0F);
        assertStatus(webp, ImageLimits.defaults(), 413, "16384×16384");
    }

    @Test
    void refusesBmpDeclaringHugeCanvas() {
        byte[] bmp = encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "bmp");
        putIntLe(bmp, 18, 100_000);
        putIntLe(bmp, 22, 100_000);
        assertStatus(bmp, ImageLimits.defaults(), 413, "100000×100000");
    }

    @Test
    void refusesJpegWithThousandsOfScans() {
        byte[] jpeg = encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        int sos = indexOf(jpeg, new byte[] {(byte) 0xFF, (byte) 0xDA});
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, sos);
        for (int i = 0; i < 2000; i++) { // minimal progressive-style scan headers with one data byte
            out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0});
        }
        out.write(jpeg, sos, jpeg.length - sos);
        assertStatus(out.toByteArray(), ImageLimits.defaults(), 400, "JPEG image has 2001 scans, over the limit of 500");
    }

    @Test
    void refusesTooLongSide() {
        assertStatus(pngHeaderOnly(40_000, 10), ImageLimits.defaults(), 413,
                "image is 40000×10, a side over the limit of 30000 px");
    }

    @Test
    void refusesTooManyBytes() {
        byte[] png = encode(quadrants(BufferedImage.TYPE_INT_RGB), "png");
        assertStatus(png, ImageLimits.defaults().withMaxBytes(100), 413,
                "image is " + png.length + " bytes, over the limit of 100 bytes");
        assertThat(ImageLimits.defaults().maxBytes()).isEqualTo(20L * 1024 * 1024);
        ImageException e = catchThrowableOfType(ImageException.class,
                () -> ImageLimits.defaults().checkBytes(25L * 1024 * 1024 + 1));
        assertThat(e.getMessage()).isEqualTo("image is 25.0 MiB, over the limit of 20 MiB");
    }

    @Test
    void appliesLimitsToTheUprightSize() {
        byte[] jpeg = resource("orientation-6.jpg"); // stored 32×64, upright 64×32
        assertStatus(jpeg, ImageLimits.defaults().withMaxSide(40), 413, "64×32");
    }

    // --- corrupt input -------------------------------------------------------------------------

    @Test
    void refusesTruncatedJpeg() {
        byte[] jpeg = encode(noise(200, 150, 1), "jpeg");
        assertStatus(Arrays.copyOf(jpeg, jpeg.length / 2), ImageLimits.defaults(), 400, "truncated");
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "gif", "bmp"})
    void refusesTruncatedImages(String format) {
        BufferedImage source = format.equals("gif") ? toIndexed(noise(200, 150, 2)) : noise(200, 150, 2);
        byte[] bytes = encode(source, format);
        assertStatus(Arrays.copyOf(bytes, bytes.length / 2), ImageLimits.defaults(), 400, "");
    }

    @Test
    void refusesTruncatedWebp() {
        byte[] webp = resource("quadrants-lossy.webp");
        assertStatus(Arrays.copyOf(webp, webp.length - 30), ImageLimits.defaults(), 400, "WebP");
    }

    /**
     * Found by ImageDecoderFuzzTest: a valid lossless WebP with a few bits flipped, whose prefix-code
     * groups TwelveMonkeys' VP8L reader kept building from the bits "after" the end of the data
     * (16 s and 35 GB of allocations unguarded). Refused as corrupt within a few MB.
     */
    @Test
    void refusesAWebpLosslessImageThatDecodesOnPastItsData() throws ImageException {
        byte[] bomb = {'R', 'I', 'F', 'F', 56, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L', 44, 0, 0, 0,
                47, 63, -64, 7, 0, 31, 32, 16, 72, -38, 31, 122, -115, -7, 23, 0, 20, -7, 63, -38, -4, 7, 95, 36};
        assertThat(ImageDecoder.probe(bomb)).isEqualTo(new ImageInfo(ImageFormat.WEBP, 64, 32, 1));
        long before = allocatedBytes();
        assertStatus(bomb, ImageLimits.defaults(), 400, "WebP image: its data ends long before its pixels do");
        assertThat(allocatedBytes() - before).isLessThan(64L * 1024 * 1024);
    }

    /**
     * Found by ImageDecoderFuzzTest: random bytes behind a lossy WebP signature whose header (as
     * TwelveMonkeys reads it) says 184×1316, within the limits, while the VP8 frame it decodes says
     * 9280×6469, for which the decoder allocated 850 MB of macroblocks.
     */
    @Test
    void refusesAWebpLossyFrameLargerThanItsHeaderSays() throws ImageException {
        byte[] riff = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' '};
        byte[] bomb = Arrays.copyOf(riff, riff.length + 14);
        System.arraycopy(new byte[] {-5, 101, 4, 82, 104, 69, -122, 60, 60, -72, 64, 36, 69, -103}, 0, bomb, riff.length, 14);
        assertThat(ImageDecoder.probe(bomb)).isEqualTo(new ImageInfo(ImageFormat.WEBP, 184, 1316, 1));
        long before = allocatedBytes();
        assertStatus(bomb, ImageLimits.defaults(), 413, "9280×6469");
        assertStatus(bomb, ImageLimits.defaults().withMaxPixels(100_000_000L), 400, "its frame is 9280×6469, its header says 184×1316");
        assertThat(allocatedBytes() - before).isLessThan(16L * 1024 * 1024);
    }

    @Test
    void aStreamReadAtItsEndFailsOnlyAfterTheLookAheadAllowance() throws Exception {
        try (var in = new EndBoundedImageInputStream(new byte[] {1, 2, 3})) {
            assertThat(in.read(new byte[8], 0, 8)).isEqualTo(3); // short: the first read at the end
            for (int i = 1; i < EndBoundedImageInputStream.MAX_READS_AT_END; i++) {
                assertThat(in.read()).isEqualTo(-1);
            }
            assertThatThrownBy(in::read).isInstanceOf(EndBoundedImageInputStream.Exhausted.class);
            in.seek(1);
            assertThat(in.read()).as("reads inside the data still answer").isEqualTo(2);
            assertThat(in.length()).isEqualTo(3);
        }
    }

    @Test
    void refusesRandomBytes() {
        byte[] random = new byte[4096];
        new Random(42).nextBytes(random);
        assertStatus(random, ImageLimits.defaults(), 400, "data is not a supported image");
    }

    @Test
    void refusesEmptyAndNull() {
        assertStatus(new byte[0], ImageLimits.defaults(), 400, "image is empty");
        assertStatus(null, ImageLimits.defaults(), 400, "image is empty");
    }

    @Test
    void namesKnownUnsupportedFormats() {
        byte[] tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0};
        assertStatus(tiff, ImageLimits.defaults(), 400, "unsupported image format TIFF");
        byte[] heic = "\0\0\0\u0018ftypheic\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1);
        assertStatus(heic, ImageLimits.defaults(), 400, "unsupported image format HEIC");
    }

    @Test
    void refusesHeaderOnlyJpeg() {
        byte[] jpeg = encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        int sos = indexOf(jpeg, new byte[] {(byte) 0xFF, (byte) 0xDA});
        assertStatus(Arrays.copyOf(jpeg, sos), ImageLimits.defaults(), 400, "JPEG");
    }

    // --- helpers -------------------------------------------------------------------------------

    static void assertStatus(byte[] bytes, ImageLimits limits, int status, String messagePart) {
        assertThatThrownBy(() -> ImageDecoder.decode(bytes, limits))
                .isInstanceOfSatisfying(ImageException.class, e -> {
                    assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
                    assertThat(e.getMessage()).contains(messagePart);
                });
    }

    /** A PNG whose IHDR declares {@code width × height} followed by a tiny IDAT. */
    static byte[] pngHeaderOnly(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        writeInt(ihdr, width);
        writeInt(ihdr, height);
        ihdr.writeBytes(new byte[] {8, 2, 0, 0, 0});
        out.writeBytes(pngChunk("IHDR", ihdr.toByteArray()));
        out.writeBytes(pngChunk("IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}));
        out.writeBytes(pngChunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    static byte[] insertAfterIhdr(byte[] png, byte[] chunk) {
        int at = 8 + 12 + 13;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, at);
        out.writeBytes(chunk);
        out.write(png, at, png.length - at);
        return out.toByteArray();
    }

    static BufferedImage noise(int w, int h, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }

    static BufferedImage toIndexed(BufferedImage source) {
        BufferedImage indexed = new BufferedImage(source.getWidth(), source.getHeight(), BufferedImage.TYPE_BYTE_INDEXED);
        Graphics2D g = indexed.createGraphics();
        g.drawImage(source, 0, 0, null);
        g.dispose();
        return indexed;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("marker not found");
    }

    static void putIntLe(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    static long allocatedBytes() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return bean.getThreadAllocatedBytes(Thread.currentThread().threadId());
    }
}

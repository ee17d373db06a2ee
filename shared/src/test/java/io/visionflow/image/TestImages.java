package io.visionflow.image;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

/** Fixtures shared by the image tests. */
final class TestImages {
    static final int RED = 0xFF0000;
    static final int GREEN = 0x00FF00;
    static final int BLUE = 0x0000FF;
    static final int YELLOW = 0xFFFF00;
    static final int WHITE = 0xFFFFFF;

    private TestImages() {
    }

    /** 64×32, quadrants red | green over blue | yellow: every rotation or mirror is distinguishable. */
    static BufferedImage quadrants(int type) {
        BufferedImage image = new BufferedImage(64, 32, type);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(RED));
        g.fillRect(0, 0, 32, 16);
        g.setColor(new Color(GREEN));
        g.fillRect(32, 0, 32, 16);
        g.setColor(new Color(BLUE));
        g.fillRect(0, 16, 32, 16);
        g.setColor(new Color(YELLOW));
        g.fillRect(32, 16, 32, 16);
        g.dispose();
        return image;
    }

    static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no writer for " + format + " and " + image.getType());
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] resource(String name) {
        try (InputStream in = TestImages.class.getResourceAsStream("/images/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts the four quadrant colours of an upright 64×32 quadrants image, sampled away from edges. */
    static void assertQuadrants(BufferedImage image, int tolerance) {
        assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(image.getWidth()).isEqualTo(64);
        assertThat(image.getHeight()).isEqualTo(32);
        assertColor(image, 4, 4, RED, tolerance);
        assertColor(image, 59, 4, GREEN, tolerance);
        assertColor(image, 4, 27, BLUE, tolerance);
        assertColor(image, 59, 27, YELLOW, tolerance);
    }

    static void assertColor(BufferedImage image, int x, int y, int expected, int tolerance) {
        int actual = image.getRGB(x, y) & 0xFFFFFF;
        for (int shift = 0; shift <= 16; shift += 8) {
            int a = actual >> shift & 0xFF;
            int e = expected >> shift & 0xFF;
            assertThat(Math.abs(a - e))
                    .as("pixel (%d,%d) is #%06X, expected about #%06X", x, y, actual, expected)
                    .isLessThanOrEqualTo(tolerance);
        }
    }

    /** A PNG chunk with a correct CRC. */
    static byte[] pngChunk(String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeInt(out, data.length);
        byte[] typeBytes = type.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        writeInt(out, (int) crc.getValue());
        return out.toByteArray();
    }

    static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }
}

package io.visionflow.image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.spi.ImageWriterSpi;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * PNG encoding of images we store or return: lossless, so a reader sees exactly these pixels. Also
 * JPEG, for servers that take it. Both write through a memory cache: {@code ImageIO.write} would
 * buffer every image in a temporary file first (its default cache), which was a fifth of a remote
 * model call's time on this path.
 */
public final class Png {
    private static final ImageWriterSpi PNG = writer("png");
    private static final ImageWriterSpi JPEG = writer("jpeg");

    private Png() {
    }

    public static byte[] encode(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, image.getWidth() * image.getHeight()));
        write(PNG.createWriterInstance(), new IIOImage(image, null, null), null, out);
        return out.toByteArray();
    }

    /**
     * Baseline JPEG at {@code quality} (0..1). JPEG has no alpha, and writers mis-colour ARGB rasters
     * instead of failing, so transparent pixels are flattened on white first, as decoding does.
     */
    public static byte[] jpeg(BufferedImage image, float quality) throws IOException {
        BufferedImage rgb = ImageDecoder.toRgb(image);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, rgb.getWidth() * rgb.getHeight() / 4));
        ImageWriter writer = JPEG.createWriterInstance();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        write(writer, new IIOImage(rgb, null, null), param, out);
        return out.toByteArray();
    }

    private static void write(ImageWriter writer, IIOImage image, ImageWriteParam param, ByteArrayOutputStream out)
            throws IOException {
        try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, image, param);
        } finally {
            writer.dispose();
        }
    }

    private static ImageWriterSpi writer(String format) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format);
        if (!writers.hasNext()) {
            throw new IllegalStateException("no " + format + " writer");
        }
        ImageWriter w = writers.next();
        ImageWriterSpi spi = w.getOriginatingProvider();
        w.dispose();
        return spi;
    }
}

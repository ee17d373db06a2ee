package io.visionflow.image;

import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;

import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;

/**
 * Turns encoded image bytes into an upright RGB image, refusing anything that is corrupt,
 * unsupported or over the {@link ImageLimits}. Every failure is an {@link ImageException}; no
 * input makes it throw anything else.
 *
 * <p>The format is taken from the content. Width and height are read from the header before any
 * pixel is decoded, so a small file that declares a huge canvas is refused (413) without allocating
 * it. JPEG, PNG (eXIf) and WebP (EXIF chunk) orientations are applied. The result is always
 * {@link BufferedImage#TYPE_INT_RGB}: transparency is composited on white; grayscale, palette,
 * 16-bit and CMYK images are converted.
 */
public final class ImageDecoder {

    private static final ImageReaderSpi JPEG_SPI = registered(JPEGImageReaderSpi.class, JPEGImageReaderSpi::new);
    private static final ImageReaderSpi WEBP_SPI = registered(WebPImageReaderSpi.class, WebPImageReaderSpi::new);
    static final int MAX_JPEG_SCANS = 500;
    private static final String ACCEPTED = "send JPEG, PNG, GIF, BMP or WebP";

    private ImageDecoder() {
    }

    /** Reads format, upright size and orientation from the header only; does not apply limits. */
    public static ImageInfo probe(byte[] bytes) throws ImageException {
        ImageFormat format = detect(bytes);
        byte[] input = format == ImageFormat.PNG ? ImageContainers.pngPixelChunksOnly(bytes) : bytes;
        ImageReader reader = open(format, input);
        try {
            return info(format, bytes, reader);
        } finally {
            reader.dispose();
        }
    }

    /** {@link #decode(byte[], ImageLimits)} with {@link ImageLimits#defaults()}. */
    public static BufferedImage decode(byte[] bytes) throws ImageException {
        return decode(bytes, ImageLimits.defaults());
    }

    /**
     * Decodes an image to upright {@code TYPE_INT_RGB}.
     *
     * @throws ImageException 413 when the encoded size, the pixel count or a side is over
     *                        {@code limits}; 400 when the data is empty, corrupt, truncated or not a
     *                        supported format
     */
    public static BufferedImage decode(byte[] bytes, ImageLimits limits) throws ImageException {
        if (bytes != null) {
            limits.checkBytes(bytes.length);
        }
        ImageFormat format = detect(bytes);
        if (format == ImageFormat.GIF) {
            checkGifScreen(bytes, limits);
        } else if (format == ImageFormat.BMP) {
            checkBmpHeader(bytes, limits);
        } else if (format == ImageFormat.JPEG) {
            checkJpegScans(bytes);
        }
        byte[] input = format == ImageFormat.PNG ? ImageContainers.pngPixelChunksOnly(bytes) : bytes;
        ImageReader reader = open(format, input);
        try {
            ImageInfo info = info(format, bytes, reader);
            limits.checkDimensions(info.width(), info.height());
            if (format == ImageFormat.WEBP) {
                checkWebpFrame(bytes, reader, limits);
            }
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener(new IIOReadWarningListener() {
                @Override
                public void warningOccurred(ImageReader source, String warning) {
                    warnings.add(warning);
                }
            });
            BufferedImage decoded = reader.read(0, reader.getDefaultReadParam());
            for (String warning : warnings) {
                // libjpeg pads a cut-off scan with grey and only warns; a half-grey image would
                // silently give wrong results downstream.
                if (warning != null && warning.toLowerCase(Locale.ROOT).contains("premature end")) {
                    throw ImageException.badRequest(name(format) + " image data is truncated");
                }
            }
            if (decoded == null || decoded.getWidth() <= 0 || decoded.getHeight() <= 0) {
                throw ImageException.badRequest("could not decode the " + name(format) + " image");
            }
            // The header passed the limits, but guard against a reader whose pixels disagree with it.
            limits.checkDimensions(decoded.getWidth(), decoded.getHeight());
            BufferedImage rgb = toRgb(decoded);
            decoded = null; // lets the reader's raster go before the rotated copy is allocated
            return orient(rgb, info.orientation());
        } catch (IOException | RuntimeException e) {
            throw corrupt(format, e);
        } catch (OutOfMemoryError e) {
            // Only reachable with limits too generous for the heap; the failed allocation is ours.
            throw ImageException.tooLarge("image is too large to decode with the memory available");
        } finally {
            reader.dispose();
        }
    }

    /**
     * The TwelveMonkeys JPEG reader finds the JDK reader it delegates to when it is registered, so
     * it must come from the registry; it is registered here when the service scan missed it (e.g.
     * under an unusual context class loader).
     */
    private static <T extends ImageReaderSpi> T registered(Class<T> type, Supplier<T> create) {
        IIORegistry registry = IIORegistry.getDefaultInstance();
        T spi = registry.getServiceProviderByClass(type);
        if (spi == null) {
            registry.registerServiceProvider(create.get());
            spi = registry.getServiceProviderByClass(type);
        }
        return spi;
    }

    private static ImageFormat detect(byte[] bytes) throws ImageException {
        if (bytes == null || bytes.length == 0) {
            throw ImageException.badRequest("image is empty");
        }
        var format = ImageFormat.detect(bytes);
        if (format.isPresent()) {
            return format.get();
        }
        var known = ImageFormat.detectUnsupported(bytes);
        if (known.isPresent()) {
            throw ImageException.badRequest("unsupported image format " + known.get() + "; " + ACCEPTED);
        }
        throw ImageException.badRequest("data is not a supported image; " + ACCEPTED);
    }

    /**
     * Each progressive scan makes libjpeg pass over the whole coefficient buffer, so a small file
     * with thousands of tiny scans can cost minutes of CPU; real encoders write about ten.
     */
    private static void checkJpegScans(byte[] b) throws ImageException {
        int scans = ImageContainers.jpegScanCount(b);
        if (scans > MAX_JPEG_SCANS) {
            throw ImageException.badRequest("JPEG image has " + scans + " scans, over the limit of " + MAX_JPEG_SCANS);
        }
    }

    /**
     * TwelveMonkeys' VP8 decoder sizes its macroblocks from the frame's own header, not from the one
     * the limits were checked against; in corrupt data they disagree (a 30-byte file whose header
     * says 184×1316 allocated 850 MB for a 9280×6469 frame). The frame's size must be the image's.
     */
    private static void checkWebpFrame(byte[] bytes, ImageReader reader, ImageLimits limits) throws ImageException, IOException {
        int[] frame = ImageContainers.webpLossyFrameSize(bytes);
        if (frame == null) {
            return;
        }
        limits.checkDimensions(frame[0], frame[1]);
        if (frame[0] != reader.getWidth(0) || frame[1] != reader.getHeight(0)) {
            throw ImageException.badRequest("corrupt WebP image: its frame is " + frame[0] + "×" + frame[1]
                    + ", its header says " + reader.getWidth(0) + "×" + reader.getHeight(0));
        }
    }

    /** A GIF's logical screen is allocated by some decoders regardless of the frame size. */
    private static void checkGifScreen(byte[] b, ImageLimits limits) throws ImageException {
        if (b.length < 10) {
            throw ImageException.badRequest("GIF image is truncated");
        }
        limits.checkDimensions(ImageContainers.u16le(b, 6), ImageContainers.u16le(b, 8));
    }

    /**
     * The JDK BMP reader rejects an over-large uncompressed canvas only as "invalid" data, and not at
     * all when it is RLE-compressed; reading the info header here gives the same 413 as elsewhere.
     */
    private static void checkBmpHeader(byte[] b, ImageLimits limits) throws ImageException {
        if (b.length < 26) {
            throw ImageException.badRequest("BMP image is truncated");
        }
        long infoSize = ImageContainers.u32le(b, 14);
        long width;
        long height;
        if (infoSize == 12) {
            width = ImageContainers.u16le(b, 18);
            height = ImageContainers.u16le(b, 20);
        } else {
            width = Math.abs((long) (int) ImageContainers.u32le(b, 18));
            height = Math.abs((long) (int) ImageContainers.u32le(b, 22)); // negative means top-down
        }
        limits.checkDimensions(width, height);
    }

    private static ImageReader open(ImageFormat format, byte[] bytes) throws ImageException {
        ImageReader reader;
        try {
            reader = switch (format) {
                case JPEG -> JPEG_SPI.createReaderInstance(null);
                case WEBP -> WEBP_SPI.createReaderInstance(null);
                case PNG -> jdkReader("png");
                case GIF -> jdkReader("gif");
                case BMP -> jdkReader("bmp");
            };
        } catch (IOException e) {
            throw new IllegalStateException("cannot create an image reader for " + format, e);
        }
        // Metadata is read by hand (ImageContainers); the readers only need pixels.
        reader.setInput(new EndBoundedImageInputStream(bytes), true, true);
        return reader;
    }

    private static ImageReader jdkReader(String name) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(name);
        if (!readers.hasNext()) {
            throw new IllegalStateException("the JDK has no " + name + " image reader");
        }
        return readers.next();
    }

    private static ImageInfo info(ImageFormat format, byte[] original, ImageReader reader) throws ImageException {
        int width;
        int height;
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw corrupt(format, e);
        }
        if (width <= 0 || height <= 0) {
            throw ImageException.badRequest(name(format) + " image has an invalid size " + width + "×" + height);
        }
        int orientation = ImageContainers.orientation(format, original);
        return orientation >= 5
                ? new ImageInfo(format, height, width, orientation)
                : new ImageInfo(format, width, height, orientation);
    }

    private static ImageException corrupt(ImageFormat format, Throwable cause) {
        if (cause instanceof EndBoundedImageInputStream.Exhausted) {
            return ImageException.badRequest("corrupt " + name(format) + " image: its data ends long before its pixels do", cause);
        }
        return ImageException.badRequest("corrupt or truncated " + name(format) + " image", cause);
    }

    private static String name(ImageFormat format) {
        return format == ImageFormat.WEBP ? "WebP" : format.name();
    }

    /** Converts any decoded image to TYPE_INT_RGB, compositing transparency on white. */
    static BufferedImage toRgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_INT_RGB) {
            return src;
        }
        ColorModel cm = src.getColorModel();
        if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            return grayToRgb(src);
        }
        BufferedImage rgb = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
            g.setComposite(AlphaComposite.SrcOver);
            g.drawImage(src, 0, 0, null);
        } finally {
            g.dispose();
        }
        return rgb;
    }

    /**
     * Java's gray colour space is linear, so the generic conversion would brighten PNG/JPEG grays,
     * which are gamma-encoded like sRGB; the samples are copied to R, G and B instead.
     */
    private static BufferedImage grayToRgb(BufferedImage src) {
        int w = src.getWidth();
        int h = src.getHeight();
        ColorModel cm = src.getColorModel();
        WritableRaster raster = src.getRaster();
        int bands = raster.getNumBands();
        boolean alpha = cm.hasAlpha() && bands >= 2;
        boolean premultiplied = cm.isAlphaPremultiplied();
        int grayMax = (1 << cm.getComponentSize(0)) - 1;
        int alphaMax = alpha ? (1 << cm.getComponentSize(bands - 1)) - 1 : 1;
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] out = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                double g = Math.min(1.0, row[x * bands] / (double) grayMax);
                double v;
                if (alpha) {
                    double a = Math.min(1.0, row[x * bands + bands - 1] / (double) alphaMax);
                    v = (premultiplied ? g : g * a) + (1 - a);
                } else {
                    v = g;
                }
                int c = (int) Math.round(Math.min(1.0, v) * 255);
                out[y * w + x] = c << 16 | c << 8 | c;
            }
        }
        return rgb;
    }

    /** Applies EXIF orientation 1–8 to a TYPE_INT_RGB image, exactly (no interpolation). */
    static BufferedImage orient(BufferedImage rgb, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return rgb;
        }
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        boolean swap = orientation >= 5;
        int dw = swap ? h : w;
        int dh = swap ? w : h;
        int[] s = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
        BufferedImage out = new BufferedImage(dw, dh, BufferedImage.TYPE_INT_RGB);
        int[] d = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < dh; y++) {
            for (int x = 0; x < dw; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }          // mirrored horizontally
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }  // rotated 180°
                    case 4 -> { sx = x; sy = h - 1 - y; }          // mirrored vertically
                    case 5 -> { sx = y; sy = x; }                  // transposed
                    case 6 -> { sx = y; sy = h - 1 - x; }          // display needs 90° clockwise
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }  // transversed
                    default -> { sx = w - 1 - y; sy = x; }         // 8: display needs 90° counter-clockwise
                }
                d[y * dw + x] = s[sy * w + sx];
            }
        }
        return out;
    }
}

package io.visionflow.task.onnx;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Test images: the photos in test resources and text rendered with Java2D. */
public final class Photos {
    private Photos() {
    }

    public static BufferedImage load(String name) {
        try (InputStream in = Photos.class.getResourceAsStream("/photos/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test photo " + name);
            }
            return ImageIO.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Black lines of text on white, {@code lineHeight} apart, starting at {@code top}. */
    static BufferedImage text(int width, int height, int fontSize, int top, int lineHeight, String... lines) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, fontSize));
        for (int i = 0; i < lines.length; i++) {
            g.drawString(lines[i], 20, top + i * lineHeight);
        }
        g.dispose();
        return img;
    }

    /** One line in {@code font} on white, baseline at {@code baseline}. */
    static BufferedImage text(Font font, int width, int height, int baseline, String line) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(font);
        g.drawString(line, 10, baseline);
        g.dispose();
        return img;
    }

    static BufferedImage rotate180(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(src, AffineTransform.getRotateInstance(Math.PI, src.getWidth() / 2.0, src.getHeight() / 2.0), null);
        g.dispose();
        return out;
    }
}

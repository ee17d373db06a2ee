package io.visionflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.task.onnx.Photos;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/** Test photos, rendered images, params and decoding of the services' PNG outputs. */
public final class ServiceFixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private ServiceFixtures() {
    }

    /** A photo of test resources {@code photos/} (see SOURCES.md there). */
    static BufferedImage photo(String name) {
        return Photos.load(name);
    }

    static ObjectNode params(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The image of a {@code data:image/png;base64,} URI. */
    static BufferedImage png(JsonNode uri) {
        String text = uri.asText();
        if (!text.startsWith(PngData.PREFIX)) {
            throw new AssertionError("not a PNG data URI: " + text.substring(0, Math.min(40, text.length())));
        }
        try {
            return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(text.substring(PngData.PREFIX.length()))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Vertical stripes of the given colours and widths on a {@code height}-pixel canvas. */
    static BufferedImage stripes(int height, Object... colourAndWidth) {
        int width = 0;
        for (int i = 1; i < colourAndWidth.length; i += 2) {
            width += (Integer) colourAndWidth[i];
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        int x = 0;
        for (int i = 0; i < colourAndWidth.length; i += 2) {
            g.setColor((Color) colourAndWidth[i]);
            int w = (Integer) colourAndWidth[i + 1];
            g.fillRect(x, 0, w, height);
            x += w;
        }
        g.dispose();
        return img;
    }

    /** Java2D's bicubic resize by {@code factor}: the baseline upscale is compared with, and what the bench enlarges with. */
    public static BufferedImage bicubic(BufferedImage image, int factor) {
        BufferedImage out = new BufferedImage(image.getWidth() * factor, image.getHeight() * factor, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(image, 0, 0, out.getWidth(), out.getHeight(), null);
        g.dispose();
        return out;
    }

    /** Black lines of anti-aliased sans-serif text on white. */
    static BufferedImage text(int width, int height, int fontSize, String... lines) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, fontSize));
        for (int i = 0; i < lines.length; i++) {
            g.drawString(lines[i], 30, (int) (fontSize * 1.6 * (i + 1)));
        }
        g.dispose();
        return img;
    }
}

package io.visionflow.engine;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/** Images the tests draw, so that what the pixel tasks see is known. */
final class Pictures {
    private Pictures() {
    }

    static BufferedImage plain(Color colour, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    /** A white canvas with filled rectangles: {@code blocks} holds (colour, x, y, w, h). */
    static BufferedImage blocks(int w, int h, Object... blocks) {
        BufferedImage img = plain(Color.WHITE, w, h);
        Graphics2D g = img.createGraphics();
        for (int i = 0; i < blocks.length; i += 5) {
            g.setColor((Color) blocks[i]);
            g.fillRect((int) blocks[i + 1], (int) blocks[i + 2], (int) blocks[i + 3], (int) blocks[i + 4]);
        }
        g.dispose();
        return img;
    }
}

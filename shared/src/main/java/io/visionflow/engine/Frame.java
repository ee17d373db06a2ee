package io.visionflow.engine;

import io.visionflow.task.Box;

/**
 * Maps pixels of the image a step sees (a downscaled record image, or a crop of it) to pixels of
 * the original record image, where every box is reported: {@code original = offset + pixel * scale}.
 */
public record Frame(double offsetX, double offsetY, double scale) {
    public static final Frame IDENTITY = new Frame(0, 0, 1);

    public Box toOriginal(Box box) {
        return new Box(offsetX + box.x1() * scale, offsetY + box.y1() * scale,
                offsetX + box.x2() * scale, offsetY + box.y2() * scale);
    }

    /** The frame of a crop whose top-left corner is at {@code (x, y)} of this frame's image. */
    public Frame crop(int x, int y) {
        return new Frame(offsetX + x * scale, offsetY + y * scale, scale);
    }
}

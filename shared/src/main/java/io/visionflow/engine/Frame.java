package io.visionflow.engine;

import io.visionflow.task.Box;

/**
 * Maps pixels of the image a step sees (a downscaled record image, or a crop) to pixels of the
 * original record image, where every box is reported: {@code x = offsetX + px * scaleX} (and the
 * same for y). Each axis has its own scale because a resize rounds each side on its own.
 */
public record Frame(double offsetX, double offsetY, double scaleX, double scaleY) {
    public static final Frame IDENTITY = new Frame(0, 0, 1, 1);

    public Box toOriginal(Box box) {
        return new Box(offsetX + box.x1() * scaleX, offsetY + box.y1() * scaleY,
                offsetX + box.x2() * scaleX, offsetY + box.y2() * scaleY);
    }

    /** The frame of a crop cut from the original image with its top-left corner at {@code (x, y)}. */
    public static Frame cropOfOriginal(int x, int y) {
        return new Frame(x, y, 1, 1);
    }
}

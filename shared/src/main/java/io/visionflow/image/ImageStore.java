package io.visionflow.image;

import java.awt.image.BufferedImage;
import java.io.IOException;

/**
 * Holds the images of a request: the decoded record images and the crops cut from them. The
 * in-process driver keeps them in memory; the cloud drivers back this with S3.
 */
public interface ImageStore {

    /** Stores a decoded image and returns its reference. */
    ImageRef put(BufferedImage image) throws IOException;

    /** The pixels of a stored image. */
    BufferedImage load(ImageRef ref) throws IOException;

    /** Cuts the rectangle {@code [x, y, x + width, y + height)} (clipped to the image) and stores it. */
    default ImageRef crop(ImageRef source, int x, int y, int width, int height) throws IOException {
        BufferedImage src = load(source);
        int x0 = Math.max(0, Math.min(src.getWidth() - 1, x));
        int y0 = Math.max(0, Math.min(src.getHeight() - 1, y));
        int w = Math.max(1, Math.min(src.getWidth() - x0, width));
        int h = Math.max(1, Math.min(src.getHeight() - y0, height));
        return put(src.getSubimage(x0, y0, w, h));
    }
}

package io.visionflow.image;

/**
 * What the header of an encoded image says, read without decoding its pixels.
 *
 * @param format      the detected format
 * @param width       width of the upright image, i.e. after the EXIF orientation is applied
 * @param height      height of the upright image
 * @param orientation the EXIF orientation (1–8; 1 when absent or invalid)
 */
public record ImageInfo(ImageFormat format, int width, int height, int orientation) {

    /** Orientations 5–8 swap the axes: the stored pixels are {@code height × width}. */
    public boolean swapsAxes() {
        return orientation >= 5 && orientation <= 8;
    }
}

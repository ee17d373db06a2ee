package io.visionflow.image;

/**
 * A reference to an image held by an {@link ImageStore}: what steps pass around instead of pixels,
 * so that a step can run in another process (the blob store then holds the pixels).
 *
 * @param id     the store's key
 * @param width  width in pixels (after EXIF orientation)
 * @param height height in pixels
 */
public record ImageRef(String id, int width, int height) {
}

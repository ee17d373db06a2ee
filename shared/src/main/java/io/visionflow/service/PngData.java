package io.visionflow.service;

import io.visionflow.image.Png;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/** Images that services return, as {@code data:image/png;base64,} URIs. */
final class PngData {
    static final String PREFIX = "data:image/png;base64,";

    private PngData() {
    }

    static String uri(BufferedImage image) {
        try {
            return PREFIX + Base64.getEncoder().encodeToString(Png.encode(image));
        } catch (IOException e) {
            throw new UncheckedIOException("writing PNG to memory", e);
        }
    }
}

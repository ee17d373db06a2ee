package io.visionflow.service;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/** Images that services return, as {@code data:image/png;base64,} URIs. */
final class PngData {
    static final String PREFIX = "data:image/png;base64,";

    private PngData() {
    }

    static String uri(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing PNG to memory", e);
        }
        return PREFIX + Base64.getEncoder().encodeToString(out.toByteArray());
    }
}

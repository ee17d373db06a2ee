package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.image.ImageException;
import io.visionflow.image.ImageLimits;
import io.visionflow.image.RecordImageSource;

import java.awt.image.BufferedImage;

/** Loads a record's image from {@code _base64} or {@code _url} and decodes it within the limits. */
public final class ImageRecordLoader implements RecordLoader {
    private final RecordImageSource source;
    private final ImageLimits limits;

    public ImageRecordLoader(RecordImageSource source, ImageLimits limits) {
        this.source = source;
        this.limits = limits;
    }

    @Override
    public BufferedImage load(ObjectNode record) throws StepFailure {
        try {
            return source.image(record, limits);
        } catch (ImageException e) {
            throw new StepFailure(e.status(), e.getMessage(), e);
        }
    }
}

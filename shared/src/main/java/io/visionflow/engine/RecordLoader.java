package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.awt.image.BufferedImage;

/** Turns a record's {@code _base64} or {@code _url} into an upright RGB image, or fails that record. */
@FunctionalInterface
public interface RecordLoader {
    BufferedImage load(ObjectNode record) throws StepFailure;
}

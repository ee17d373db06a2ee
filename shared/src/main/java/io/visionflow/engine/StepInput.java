package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Action;
import io.visionflow.image.ImageRef;

/**
 * Everything a step reads: the action; a snapshot of the fields of its scope (the record, or one
 * object of an object selector) that the action reads ({@link Steps#reads}); the image of that
 * scope and the frame that maps it to the record's original pixels; and the original image
 * itself, from which crops are cut. Plain data with images by reference, so a driver can ship it
 * to another process.
 */
public record StepInput(Action action, ObjectNode scope, ImageRef image, Frame frame, ImageRef original) {
}

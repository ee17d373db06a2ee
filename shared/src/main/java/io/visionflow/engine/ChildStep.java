package io.visionflow.engine;

import com.fasterxml.jackson.core.JsonPointer;
import io.visionflow.flow.Action;
import io.visionflow.image.ImageRef;

/**
 * A step to run after its parent: {@code scope} points from the parent's scope to the child's
 * (empty for the same scope; {@code /_objects/2} for the third object of a selector).
 */
public record ChildStep(JsonPointer scope, Action action, ImageRef image, Frame frame) {
}

package io.visionflow.flow;

/**
 * A parsed flow: {@code imageSize} (nullable) caps the longer side of the image the actions see;
 * results are still reported in pixels of the original image.
 */
public record FlowDefinition(String name, String description, Integer imageSize, Action topNode) {
}

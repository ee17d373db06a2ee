package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.image.ImageRef;
import io.visionflow.image.ImageStore;

import java.awt.image.BufferedImage;
import java.io.IOException;

/**
 * The images a record's top node starts from: the one the actions see (downscaled when the flow's
 * {@code image_size} asks for it), the frame that maps it to the original, and the original itself.
 * Every driver starts a record this way.
 */
public record RecordRoot(ImageRef image, Frame frame, ImageRef original) {

    /**
     * What a record's answer starts from: its fields, echoed without the image (DESIGN section 1),
     * which is not copied either, and without the client's local {@code _file} path, which is no
     * result of ours, nor the {@code _blob} an async request keeps its image in.
     */
    public static ObjectNode echo(ObjectNode input) {
        ObjectNode state = input.objectNode();
        input.properties().forEach(e -> {
            if (!e.getKey().equals("_base64") && !e.getKey().equals("_file") && !e.getKey().equals("_blob")) {
                state.set(e.getKey(), e.getValue().deepCopy());
            }
        });
        return state;
    }

    public static RecordRoot of(BufferedImage image, FlowDefinition flow, ImageStore images) throws StepFailure {
        try {
            ImageRef original = images.put(image);
            if (flow.imageSize() == null || Math.max(image.getWidth(), image.getHeight()) <= flow.imageSize()) {
                return new RecordRoot(original, Frame.IDENTITY, original);
            }
            BufferedImage small = Resize.toFit(image, flow.imageSize());
            Frame frame = new Frame(0, 0, (double) image.getWidth() / small.getWidth(),
                    (double) image.getHeight() / small.getHeight());
            return new RecordRoot(images.put(small), frame, original);
        } catch (IOException e) {
            throw new StepFailure(500, "cannot store the image: " + e.getMessage(), e);
        }
    }
}

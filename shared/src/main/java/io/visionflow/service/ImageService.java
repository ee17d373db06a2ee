package io.visionflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.task.TaskException;

import java.awt.image.BufferedImage;
import java.util.List;

/** A built-in image service that a {@code service} action calls (DESIGN section 2). */
public interface ImageService {

    /** The name used in flow JSON ({@code "service": name}). */
    String name();

    /** Problems of {@code params} (paths relative to the action's {@code params}); empty when valid. */
    default List<Problem> validate(ObjectNode params) {
        return List.of();
    }

    /**
     * The value written into the record's {@code output_field}.
     *
     * @param context the account, where returned images go and the account's models
     */
    JsonNode run(BufferedImage image, ObjectNode params, ServiceContext context) throws TaskException;

    /** A call outside any request: images inline, no uploaded models. */
    default JsonNode run(BufferedImage image, ObjectNode params) throws TaskException {
        return run(image, params, ServiceContext.inline("local"));
    }
}

package io.visionflow.service;

import io.visionflow.task.ModelSource;

import java.io.IOException;

/**
 * What a service call may use besides its image and params, given by the step from the run's
 * context, so a worker in another process gives it exactly what the driver would.
 *
 * @param account the account of the run
 * @param images  where the images the service returns go: inline, or stored ({@code store_images})
 * @param models  the account's uploaded models by the id {@code POST /models/v2/model/} answered
 *                (its sha256), for services that run a model of the user ({@code upscale} {@code onnx})
 */
public record ServiceContext(String account, ImageOutput images, ModelSource models) {
    /** A source with no uploaded models: hosts without a blob store. */
    public static final ModelSource NO_MODELS = id -> {
        throw new IOException("uploaded models are not available on this host");
    };

    /** Images inline, no uploaded models: what a call outside any request gets. */
    public static ServiceContext inline(String account) {
        return new ServiceContext(account, ImageOutput.INLINE, NO_MODELS);
    }
}

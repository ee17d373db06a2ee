package io.visionflow.service;

import io.visionflow.task.ModelSource;
import io.visionflow.task.onnx.OnnxTaskRunners;
import io.visionflow.task.onnx.PretrainedModels;

import java.util.List;
import java.util.Set;

/**
 * The built-in services ({@code dominant_colors}, {@code remove_background}, {@code upscale},
 * {@code read_text}) over one model source, usually the models directory that
 * {@code models/install.sh} fills. Models are loaded on first use and released by {@link #close()}.
 * A host wires them with one line, for example
 * {@code c.services = BuiltinServices.open(PretrainedModels.modelSource()).catalog()} (keeping the
 * instance to close it).
 */
public final class BuiltinServices implements AutoCloseable {
    private final ServiceModels models;
    private final OnnxTaskRunners tasks;
    private final ServiceCatalog catalog;

    private BuiltinServices(ModelSource models, int intraOpThreads, long maxOutputPixels) {
        this.models = new ServiceModels(models, intraOpThreads);
        this.tasks = new OnnxTaskRunners(models, intraOpThreads);
        RemoveBackground background = new RemoveBackground(this.models);
        this.catalog = new ServiceCatalog(List.of(
                new DominantColors(background),
                background,
                new Upscale(this.models, maxOutputPixels),
                new ReadText(this.models, tasks)));
    }

    /** The names of the built-in services, for checking flows where no services are open. */
    public static final Set<String> NAMES = BuiltinRules.NAMES;

    /** Largest image {@code upscale} produces by default (16 MP); a bigger one is a 413. */
    public static final long DEFAULT_UPSCALE_MAX_PIXELS = Upscale.DEFAULT_MAX_OUTPUT_PIXELS;

    /** The services on {@code models}, with up to two ONNX Runtime threads per call and a 16 MP upscale limit. */
    public static BuiltinServices open(ModelSource models) {
        return open(models, Math.min(2, Runtime.getRuntime().availableProcessors()), Upscale.DEFAULT_MAX_OUTPUT_PIXELS);
    }

    /**
     * @param intraOpThreads  threads ONNX Runtime may use inside one call
     * @param maxOutputPixels largest image {@code upscale} may produce (a bigger one is a 413)
     */
    public static BuiltinServices open(ModelSource models, int intraOpThreads, long maxOutputPixels) {
        return new BuiltinServices(models, intraOpThreads, maxOutputPixels);
    }

    /** The services on the pretrained models directory ({@link PretrainedModels#modelsDir()}). */
    public static BuiltinServices open() {
        return open(PretrainedModels.modelSource());
    }

    public ServiceCatalog catalog() {
        return catalog;
    }

    @Override
    public void close() {
        tasks.close();
        models.close();
    }
}

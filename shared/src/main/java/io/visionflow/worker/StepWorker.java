package io.visionflow.worker;

import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepFailure;
import io.visionflow.engine.StepOutcome;
import io.visionflow.engine.Steps;
import io.visionflow.flow.FlowCatalog;
import io.visionflow.image.ImageStore;
import io.visionflow.service.ImageOutput;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.store.BlobModelSource;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskCatalog;
import io.visionflow.task.TaskRunners;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.task.ModelSource;
import io.visionflow.task.TaskException;
import io.visionflow.task.onnx.ModelInspection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Runs one step sent by a driver in another process and answers its outcome: the body of the
 * model and service worker functions, independent of Lambda. Runners (with their model sessions)
 * live as long as the worker, so a warm worker loads each model once. A failing step is an answer
 * ({@code failure}), not an exception; only a bug escapes as one.
 */
public final class StepWorker {
    private static final System.Logger LOG = System.getLogger(StepWorker.class.getName());
    private static final FlowCatalog NO_FLOWS = id -> Optional.empty();

    private final TaskRunners runners;
    private final ServiceCatalog services;
    private final Function<String, ImageStore> images;
    private final ModelSource models;

    /**
     * @param runners  runners of the tasks steps call; onnx models are named by full blob key
     *                 ({@link BlobModelSource#byKey}), since one worker serves every account
     * @param services the services this worker offers
     * @param images   the image store of an account: where the driver put the images
     */
    public StepWorker(TaskRunners runners, ServiceCatalog services, Function<String, ImageStore> images) {
        this(runners, services, images, key -> {
            throw new IOException("this worker reads no uploaded models");
        });
    }

    /**
     * @param models the model files by full blob key, for inspections ({@link StepCodec#inspection})
     *               and the account's models services run ({@code upscale} with an uploaded model)
     */
    public StepWorker(TaskRunners runners, ServiceCatalog services, Function<String, ImageStore> images,
                      ModelSource models) {
        this.runners = runners;
        this.services = services;
        this.images = images;
        this.models = models;
    }

    public byte[] handle(byte[] request) {
        StepCodec.Request step;
        try {
            JsonNode root = StepCodec.tree(request);
            if (StepCodec.operation(root).equals(StepCodec.INSPECT_MODEL)) {
                return inspect(StepCodec.readInspection(root));
            }
            step = StepCodec.readRequest(root);
        } catch (StepFailure f) {
            LOG.log(System.Logger.Level.ERROR, f.getMessage());
            return StepCodec.failure(f);
        }
        try {
            Map<String, Task> tasks = step.tasks().stream()
                    .map(t -> ownModel(step.account(), t))
                    .collect(Collectors.toMap(Task::id, t -> t, (a, b) -> a));
            TaskCatalog catalog = id -> Optional.ofNullable(tasks.get(id));
            ImageStore store = images.apply(step.account());
            // stored outputs go to the account's images (blobs), which the API serves by their sha256
            ImageOutput outputs = step.storeImages() == null ? ImageOutput.INLINE
                    : ImageOutput.stored(store, step.storeImages());
            String account = step.account();
            ModelSource accountModels = id -> models.file(BlobModelSource.qualify(account, id));
            StepContext context = new StepContext(account, catalog, NO_FLOWS, runners, store, services,
                    outputs, accountModels);
            StepOutcome outcome = Steps.execute(step.input(), context);
            return StepCodec.outcome(outcome, step.input().action());
        } catch (StepFailure f) {
            return StepCodec.failure(f);
        } catch (RuntimeException e) {
            // the same rule as the in-process driver: a fault in a step fails its record
            LOG.log(System.Logger.Level.ERROR, "step " + step.input().action().id() + " failed", e);
            return StepCodec.failure(new StepFailure(500, "internal error: " + e, e));
        }
    }

    /**
     * Describes a model of the account and checks a task against it: what the API function, which
     * has no ONNX Runtime, asks on upload and on task registration. A missing model is a 404, bytes
     * ONNX Runtime refuses a 400.
     */
    private byte[] inspect(StepCodec.Inspection inspection) {
        Path file;
        try {
            file = models.file(BlobModelSource.qualify(inspection.account(), inspection.model()));
        } catch (IOException | RuntimeException e) {
            return StepCodec.failure(new StepFailure(404, "model \"" + inspection.model() + "\" cannot be read: " + e.getMessage()));
        }
        try {
            ObjectNode description = ModelInspection.describe(file);
            List<Problem> problems = inspection.task() == null ? List.of()
                    : ModelInspection.checkTask(ownModel(inspection.account(), inspection.task()), file);
            return StepCodec.inspected(description, problems);
        } catch (TaskException e) {
            return StepCodec.failure(new StepFailure(e.status(), e.getMessage(), e));
        } catch (RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.ERROR, "inspecting model " + inspection.model() + " failed", e);
            return StepCodec.failure(new StepFailure(500, "internal error: " + e, e));
        }
    }

    /**
     * The task with its model named by the full key of the account's model: sessions are cached by
     * key, and an account cannot reach another's model by naming its hash. A model id that is no
     * model of the account stays as it is and fails when the task runs, as it would locally.
     */
    private static Task ownModel(String account, Task task) {
        if (task.backend() instanceof OnnxBackend b) {
            try {
                return new Task(task.id(), task.name(), task.kind(), task.labels(),
                        new OnnxBackend(BlobModelSource.qualify(account, b.model()), b.preprocessing(), b.output()));
            } catch (IOException e) {
                return task;
            }
        }
        return task;
    }
}

package io.visionflow.engine;

import io.visionflow.flow.FlowCatalog;
import io.visionflow.image.ImageRef;
import io.visionflow.image.ImageStore;
import io.visionflow.service.ImageOutput;
import io.visionflow.service.ImageService;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.service.ServiceContext;
import io.visionflow.task.ModelSource;
import io.visionflow.task.Classification;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.Task;
import io.visionflow.task.TaskCatalog;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import io.visionflow.task.TaskRunners;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;

/**
 * What steps may use besides their input: the account the run belongs to, its tasks and flows (the
 * snapshot of the run), model runners, the image store of the request and the services. Every
 * host builds one.
 *
 * @param outputs       where services put the images they return: inline, or stored when the
 *                      request sets {@code store_images} (a worker is told so with the step)
 * @param accountModels the account's uploaded models by id, for services that run one
 */
public record StepContext(String account, TaskCatalog tasks, FlowCatalog flows, TaskRunners runners, ImageStore images,
                          ServiceCatalog services, ImageOutput outputs, ModelSource accountModels) {

    /** A context whose services inline their images and reach no uploaded models. */
    public StepContext(String account, TaskCatalog tasks, FlowCatalog flows, TaskRunners runners, ImageStore images,
                       ServiceCatalog services) {
        this(account, tasks, flows, runners, images, services, ImageOutput.INLINE, ServiceContext.NO_MODELS);
    }

    /** What a service call of this run gets. */
    public ServiceContext serviceContext() {
        return new ServiceContext(account, outputs, accountModels);
    }

    /** The task an action names, checked again at run time: it may have been deleted or changed since validation. */
    public Task task(String id, TaskKind kind) throws StepFailure {
        Task task = tasks.find(id).orElseThrow(() ->
                new StepFailure(409, "task \"" + id + "\" no longer exists; the flow is not valid"));
        if (task.kind() != kind) {
            throw new StepFailure(409, "task \"" + task.name() + "\" is now a " + task.kind().wire()
                    + " task; the flow is not valid");
        }
        return task;
    }

    public TaskRunner runner(Task task) throws StepFailure {
        try {
            return runners.runnerFor(task);
        } catch (TaskException e) {
            throw new StepFailure(e.status(), "task \"" + task.name() + "\" cannot run: " + e.getMessage(), e);
        }
    }

    /** Calls a classification task on an image; a failed call fails the record, naming the task. */
    public Classification classify(Task task, ImageRef image) throws StepFailure {
        try {
            return runner(task).classify(load(image));
        } catch (TaskException e) {
            throw failed(task, e);
        }
    }

    /** Calls a detection task on an image; boxes are in pixels of that image. */
    public List<DetectedObject> detect(Task task, ImageRef image, double minProb) throws StepFailure {
        try {
            return runner(task).detect(load(image), minProb);
        } catch (TaskException e) {
            throw failed(task, e);
        }
    }

    public BufferedImage load(ImageRef ref) throws StepFailure {
        try {
            return images.load(ref);
        } catch (IOException e) {
            throw new StepFailure(500, "image " + ref.id() + " is not available: " + e.getMessage(), e);
        }
    }

    public ImageRef crop(ImageRef ref, int x, int y, int width, int height) throws StepFailure {
        try {
            return images.crop(ref, x, y, width, height);
        } catch (IOException e) {
            throw new StepFailure(500, "cannot crop image " + ref.id() + ": " + e.getMessage(), e);
        }
    }

    public ImageService service(String name) throws StepFailure {
        return services.find(name).orElseThrow(() ->
                new StepFailure(409, "service \"" + name + "\" is not available here; the flow is not valid"));
    }

    /** A task call failure, naming the task: the record fails, the request goes on. */
    private static StepFailure failed(Task task, TaskException e) {
        return new StepFailure(e.status(), "task \"" + task.name() + "\" failed: " + e.getMessage(), e);
    }
}

package io.visionflow.api;

import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskRunner;
import io.visionflow.task.TaskRunners;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.visionflow.api.ApiHarness.TOKEN_A;
import static org.assertj.core.api.Assertions.assertThat;

/** A model's session is unloaded once no task of the account uses it any more. */
class ModelReleaseTest {
    @Test
    void theModelIsReleasedWhenItsLastTaskGoesOrMovesToAnotherModel() {
        List<String> released = new CopyOnWriteArrayList<>();
        try (ApiHarness h = new ApiHarness(cfg -> {
            TaskRunners inner = cfg.runners;
            cfg.runners = new TaskRunners() {
                @Override
                public TaskRunner runnerFor(Task task) throws TaskException {
                    return inner.runnerFor(task);
                }

                @Override
                public void release(String modelId) {
                    released.add(modelId);
                    inner.release(modelId);
                }
            };
        })) {
            String brightness = h.uploadModel(TOKEN_A, ApiHarness.testModel("brightness.onnx"));
            String topBottom = h.uploadModel(TOKEN_A, ApiHarness.testModel("top_bottom.onnx"));
            String first = h.classifier(TOKEN_A, brightness, "first", "dark", "bright");
            String second = h.classifier(TOKEN_A, brightness, "second", "dark", "bright");

            h.expect(204, "DELETE", "/recognition/v2/task/" + first, TOKEN_A, null);
            assertThat(released).as("the second task still uses the model").isEmpty();

            // moving the last task to another model releases the old one
            h.ok("PATCH", "/recognition/v2/task/" + second, TOKEN_A,
                    "{\"backend\": {\"kind\": \"onnx\", \"model\": \"" + topBottom + "\"}}");
            assertThat(released).singleElement().satisfies(key -> assertThat(key).endsWith("/model/" + brightness));

            h.expect(204, "DELETE", "/recognition/v2/task/" + second, TOKEN_A, null);
            assertThat(released).hasSize(2).last().satisfies(key -> assertThat(key).endsWith("/model/" + topBottom));
        }
    }
}

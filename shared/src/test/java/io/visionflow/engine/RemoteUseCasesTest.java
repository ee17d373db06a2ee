package io.visionflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.image.BlobImageStore;
import io.visionflow.worker.RemoteStepExecutor;
import io.visionflow.worker.StepWorker;
import io.visionflow.worker.WorkerKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every use case again, with model and service steps sent as bytes to a {@link StepWorker} that
 * shares nothing with the driver but the blob store: the driver's images and the worker's are two
 * stores with their own caches, so the worker decodes what the driver stored. The expectations are
 * those of the in-process run, so both drivers give the same records and credits.
 */
class RemoteUseCasesTest extends UseCasesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();

    @Override
    void host(Engine.Config c) {
        StepWorker worker = new StepWorker(c.runners, c.services,
                account -> new BlobImageStore(blobs, account, new BlobImageStore.Cache()));
        c.images = account -> new BlobImageStore(blobs, account, new BlobImageStore.Cache());
        c.executor = new RemoteStepExecutor((kind, request) -> {
            try {
                JsonNode step = JSON.readTree(request);
                requests.add(step);
                assertThat(WorkerKind.of(io.visionflow.flow.FlowParser.parseAction(step.get("action"), "a")
                        .definition().topNode())).contains(kind);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return worker.handle(request);
        });
    }

    @AfterEach
    void everyModelStepWentToTheWorkerWithImagesByReference(TestInfo test) {
        if (!test.getDisplayName().contains("Deleted")) {
            assertThat(requests).as("steps sent to the worker").isNotEmpty();
        }
        if (test.getDisplayName().contains("Store")) {
            assertThat(requests).anyMatch(step -> step.path("store_images").asText().equals("https://api.example/v2/image/"));
        }
        for (JsonNode step : requests) {
            assertThat(step.at("/image/id").asText()).startsWith(step.get("account").asText() + "/image/");
            assertThat(step.at("/original/id").asText()).startsWith(step.get("account").asText() + "/image/");
            assertThat(step.toString()).doesNotContain("_base64");
        }
    }
}

package io.visionflow.local;

import io.visionflow.store.BlobModelSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.flow.FlowJson;
import io.visionflow.flow.FlowParser;
import io.visionflow.flow.FlowValidator;
import io.visionflow.service.BuiltinServices;
import io.visionflow.store.StoredTask;
import io.visionflow.store.Stores;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.onnx.PretrainedModels;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code serve --demo}: the pretrained models become the account's uploaded models and tasks, and
 * three example flows are stored, all under fixed ids ({@code face-detector}, {@code faces-and-text}...)
 * that the demo flows and the README can name; that is why they are written through the store
 * ports rather than the create endpoints, which pick random ids. Run at every start; it only writes what is
 * missing or changed, so a user's edits of the demo flows are kept.
 */
public final class DemoSetup {
    /**
     * Flow ids and their definitions (resources); the second nests the first, the third runs the
     * built-in services.
     */
    public static final List<String> FLOWS = List.of("faces-and-text", "faces-and-text-nested", "faces-and-text-services");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was registered, for the startup banner. */
    public record Registered(String kind, String id, String name, String state) {
    }

    private DemoSetup() {
    }

    public static List<Registered> register(Stores stores, String account, Path modelsDir) throws IOException {
        List<Registered> out = new ArrayList<>();
        for (Task pretrained : PretrainedModels.all()) {
            OnnxBackend b = (OnnxBackend) pretrained.backend();
            Path file = modelsDir.resolve(b.model());
            if (!Files.isRegularFile(file)) {
                throw new IOException("demo model " + file + " is missing; run models/install.sh");
            }
            // content-addressed: the same model file is stored once, however often we start; the task
            // holds the blob key, as tasks registered through POST /recognition|detection/v2/task/ do
            String key = stores.blobs().put(account, BlobModelSource.MODEL_KIND, Files.readAllBytes(file));
            String modelId = key.substring(key.lastIndexOf('/') + 1);
            Task task = new Task(pretrained.id(), pretrained.name(), pretrained.kind(), pretrained.labels(),
                    new OnnxBackend(key, b.preprocessing(), b.output()));
            out.add(new Registered("model", modelId, b.model(), "stored"));
            var existing = stores.tasks().get(account, task.id());
            String state;
            if (existing.isEmpty()) {
                stores.tasks().create(account, task);
                state = "created";
            } else if (!existing.get().task().equals(task)) {
                stores.tasks().update(account, existing.get().version(), task);
                state = "updated";
            } else {
                state = "unchanged";
            }
            out.add(new Registered("task", task.id(), task.name(), state));
        }
        FlowValidator validator = new FlowValidator(
                id -> stores.tasks().get(account, id).map(StoredTask::task),
                id -> stores.flows().get(account, id).map(f -> FlowParser.parse(f.definition()).definition()),
                BuiltinServices.NAMES, FlowValidator.Limits.defaults());
        for (String id : FLOWS) {
            JsonNode json = JSON.readTree(resource("/demo/" + id + ".json"));
            if (stores.flows().get(account, id).isPresent()) {
                out.add(new Registered("flow", id, json.path("name").asText(), "kept"));
                continue;
            }
            FlowValidator.Validation v = validator.validate(json, id);
            if (!v.valid()) {
                throw new IllegalStateException("demo flow " + id + " is not valid: " + v.problems());
            }
            stores.flows().create(account, id, FlowJson.write(v.definition()), true, null);
            out.add(new Registered("flow", id, json.path("name").asText(), "created"));
        }
        return out;
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = DemoSetup.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }
}

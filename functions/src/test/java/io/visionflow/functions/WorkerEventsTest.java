package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.image.BlobImageStore;
import io.visionflow.image.ImageDecoder;
import io.visionflow.image.ImageRef;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.onnx.PretrainedModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample payloads of events/worker through the real worker handlers, built from their
 * environment against s3rver, with the placeholders naming a model and an image put there.
 */
class WorkerEventsTest {
    @TempDir
    static Path tmp;
    static final Map<String, String> values = new HashMap<>();
    static Map<String, String> env;

    @BeforeAll
    static void blobs() throws Exception {
        System.setProperty("aws.accessKeyId", "S3RVER");
        System.setProperty("aws.secretAccessKey", "S3RVER");
        String bucket = "wevt" + UUID.randomUUID().toString().substring(0, 8);
        var s3 = AwsEmulators.s3Client();
        s3.createBucket(b -> b.bucket(bucket));
        S3BlobStore blobs = new S3BlobStore(s3, bucket, tmp.resolve("cache"));
        String account = "acct-events";
        OnnxBackend face = (OnnxBackend) PretrainedModels.faceDetector().backend();
        values.put("ACCOUNT", account);
        values.put("MODEL_KEY", blobs.put(account, "model", Files.readAllBytes(PretrainedModels.modelSource().file(face.model()))));
        try (var in = WorkerEventsTest.class.getResourceAsStream("/photos/astronaut.jpg")) {
            ImageRef image = new BlobImageStore(blobs, account, new BlobImageStore.Cache(0)).put(ImageDecoder.decode(in.readAllBytes()));
            assertThat(image.width()).isEqualTo(512);
            values.put("IMAGE_ID", image.id());
        }
        env = Map.of(ApiEnvironment.BUCKET, bucket, "AWS_REGION", "us-east-1",
                S3BlobStore.ENDPOINT_VARIABLE, AwsEmulators.s3Endpoint().toString());
    }

    @AfterAll
    static void clear() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    static Path dir() {
        return EventFiles.dir().resolveSibling("worker");
    }

    static JsonNode invoke(WorkerHandler handler, String name) throws IOException {
        String event = Files.readString(dir().resolve(name + ".json"));
        for (var e : values.entrySet()) {
            event = event.replace("${" + e.getKey() + "}", e.getValue());
        }
        assertThat(event).doesNotContain("${");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, null);
        return EventFiles.JSON.readTree(out.toByteArray());
    }

    @Test
    void detectFacesStep() throws IOException {
        JsonNode outcome = invoke(new ModelWorkerHandler(WorkerEnvironment.create(env, ServiceCatalog.empty())), "detect-faces-step");
        assertThat(outcome.has("failure")).as(outcome.toString()).isFalse();
        assertThat(outcome.at("/writes/faces")).hasSize(1);
        assertThat(outcome.at("/writes/faces/0/name").asText()).isEqualTo("face");
        assertThat(outcome.at("/charges/0/credits").asInt()).isEqualTo(1);
    }

    @Test
    void inspectModel() throws IOException {
        JsonNode reply = invoke(new ModelWorkerHandler(WorkerEnvironment.create(env, ServiceCatalog.empty())), "inspect-model");
        assertThat(reply.at("/description/inputs/0/shape").toString()).isEqualTo("[1,128,128,3]");
        assertThat(reply.get("problems")).isEmpty();
    }

    @Test
    void dominantColorsStep() throws IOException {
        JsonNode outcome = invoke(new ServiceWorkerHandler(WorkerEnvironment.create(env, WorkerEnvironment.services(
                Map.of(WorkerEnvironment.MODELS_DIR, PretrainedModels.modelsDir().toString())))), "dominant-colors-step");
        assertThat(outcome.has("failure")).as(outcome.toString()).isFalse();
        assertThat(outcome.at("/writes/colours")).isNotEmpty();
        assertThat(outcome.at("/charges/0/item").asText()).isEqualTo("service:dominant_colors");
    }

    @Test
    void everyWorkerEventFileIsCovered() throws IOException {
        EventFiles.assertEveryFileHasATest(dir(), getClass(), "worker");
    }
}

package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.visionflow.engine.Frame;
import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepInput;
import io.visionflow.flow.FlowParser;
import io.visionflow.image.BlobImageStore;
import io.visionflow.image.ImageDecoder;
import io.visionflow.image.ImageRef;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.onnx.PretrainedModels;
import io.visionflow.worker.StepCodec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shaded worker jars (package phase): each carries ONNX Runtime's natives for its platform
 * only, and a fresh JVM on the one for this machine runs a detection step on a real model
 * (BlazeFace) read from S3, as the model worker function does on its first invocation.
 */
class WorkerJarTest {
    static final Path DIR = ApiJarTest.JAR.getParent();

    @BeforeEach
    void onlyAfterShading() {
        assumeTrue(Boolean.getBoolean("visionflow.api.jar.phase"), "runs in the package phase, after the shade step");
    }

    static Path jar(String arch) {
        return DIR.resolve("visionflow-worker-" + arch + ".jar");
    }

    @Test
    void eachJarHoldsTheNativesOfItsPlatformOnly() throws IOException {
        for (String[] arch : new String[][] {{"arm64", "linux-aarch64"}, {"x86_64", "linux-x64"}}) {
            try (ZipFile zip = new ZipFile(jar(arch[0]).toFile())) {
                List<String> natives = zip.stream().map(e -> e.getName())
                        .filter(n -> n.startsWith("ai/onnxruntime/native/") && !n.endsWith("/")).toList();
                assertThat(natives).as(arch[0]).isNotEmpty()
                        .allSatisfy(n -> assertThat(n).startsWith("ai/onnxruntime/native/" + arch[1] + "/"));
                assertThat(zip.stream().map(e -> e.getName())).as(arch[0])
                        .contains("io/visionflow/functions/ModelWorkerHandler.class",
                                "io/visionflow/functions/ServiceWorkerHandler.class",
                                // their step queues' messages: SQS, and the runs in DynamoDB
                                "software/amazon/awssdk/services/sqs/DefaultSqsClient.class",
                                "io/visionflow/store/dynamodb/DynamoAsyncState.class")
                        .noneMatch(n -> n.startsWith("software/amazon/awssdk/services/lambda/"))
                        .noneMatch(n -> n.startsWith("org/apache/hc/client5/") || n.startsWith("org/apache/hc/core5/reactor/"));
            }
            System.out.printf("worker jar %s: %d bytes%n", jar(arch[0]).getFileName(), Files.size(jar(arch[0])));
        }
    }

    @Test
    void freshJvmOnTheWorkerJarRunsAStepOnARealModelFromS3(@TempDir Path tmp) throws Exception {
        String arch = System.getProperty("os.arch").contains("aarch64") ? "arm64" : "x86_64";
        Step step = Step.faceDetection(tmp);
        Path file = tmp.resolve("step.json");
        Files.write(file, step.request());
        FreshJvm.Result r = FreshJvm.run(jar(arch), WorkerJarMain.class, step.env(), List.of(file.toString(), file.toString()), tmp);
        assertThat(r.exit()).as(r.lines() + r.stderr()).isZero();
        assertThat(r.stderr()).doesNotContain("NoClassDefFoundError").doesNotContain("UnsatisfiedLinkError");
        List<String> answers = r.answers();
        assertThat(answers).hasSize(2);
        for (String a : answers) {
            JsonNode outcome = EventFiles.JSON.readTree(a.substring(a.indexOf(' ') + 1));
            assertThat(outcome.has("failure")).as(a).isFalse();
            assertThat(outcome.at("/writes/faces")).hasSize(1);
            assertThat(outcome.at("/charges/0/credits").asInt()).isEqualTo(1);
        }
        System.out.printf("fresh JVM on %s: first step answered %d ms after JVM start (step %s ms), warm step %s ms%n",
                jar(arch).getFileName(), r.stat("first-answer"), answers.get(0).split(" ")[0], answers.get(1).split(" ")[0]);
    }

    @Test
    void theServiceWorkerRemovesABackgroundWithTheModelsOfItsLayerAlone(@TempDir Path tmp) throws Exception {
        Path layer = DIR.resolve("service-models/models");
        assertThat(layer.resolve("@imgly/background-removal-data/LICENSE.md")).isRegularFile();
        String arch = System.getProperty("os.arch").contains("aarch64") ? "arm64" : "x86_64";
        Step step = Step.service(tmp, """
                {"type": "service", "id": "bg", "service": "remove_background", "output_field": "cut", "params": {"output": "mask"}}""");
        Path file = tmp.resolve("service-step.json");
        Files.write(file, step.request());
        Map<String, String> env = new java.util.HashMap<>(step.env());
        env.put(WorkerEnvironment.MODELS_DIR, layer.toString());
        FreshJvm.Result r = FreshJvm.run(jar(arch), WorkerJarMain.class, env, List.of("service", file.toString()), tmp);
        assertThat(r.exit()).as(r.lines() + r.stderr()).isZero();
        String answer = r.answers().get(0);
        JsonNode outcome = EventFiles.JSON.readTree(answer.substring(answer.indexOf(' ') + 1));
        assertThat(outcome.has("failure")).as(answer).isFalse();
        assertThat(outcome.at("/writes/cut/mask").asText()).startsWith("data:image/png;base64,");
        assertThat(outcome.at("/writes/cut/width").asInt()).isEqualTo(512);
        assertThat(outcome.at("/charges/0/item").asText()).isEqualTo("service:remove_background");
        System.out.printf("fresh JVM on %s with the service layer (%s): remove_background answered %d ms after JVM start%n",
                jar(arch).getFileName(), layer, r.stat("first-answer"));
    }

    /** A detection step on the astronaut photo with BlazeFace, its model and image put in a fresh bucket. */
    record Step(byte[] request, Map<String, String> env) {
        /** A step of this service action on the astronaut photo, the photo put in a fresh bucket. */
        static Step service(Path tmp, String actionJson) throws Exception {
            String bucket = "wjar" + UUID.randomUUID().toString().substring(0, 8);
            var s3 = AwsEmulators.s3Client();
            s3.createBucket(b -> b.bucket(bucket));
            S3BlobStore blobs = new S3BlobStore(s3, bucket, tmp.resolve("cache"));
            ImageRef image = astronaut(blobs, "acct-wjar");
            var action = FlowParser.parseAction(EventFiles.JSON.readTree(actionJson), "a").definition().topNode();
            StepContext context = new StepContext("acct-wjar", id -> Optional.empty(), id -> Optional.empty(), t -> null,
                    null, ServiceCatalog.empty());
            return new Step(StepCodec.request(new StepInput(action, JsonNodeFactory.instance.objectNode(), image,
                    Frame.IDENTITY, image), context), env(bucket));
        }

        private static ImageRef astronaut(S3BlobStore blobs, String account) throws Exception {
            try (var in = WorkerJarTest.class.getResourceAsStream("/photos/astronaut.jpg")) {
                return new BlobImageStore(blobs, account, new BlobImageStore.Cache(0)).put(ImageDecoder.decode(in.readAllBytes()));
            }
        }

        private static Map<String, String> env(String bucket) {
            return Map.of(ApiEnvironment.BUCKET, bucket, "AWS_REGION", "us-east-1",
                    S3BlobStore.ENDPOINT_VARIABLE, AwsEmulators.s3Endpoint().toString());
        }

        static Step faceDetection(Path tmp) throws Exception {
            String bucket = "wjar" + UUID.randomUUID().toString().substring(0, 8);
            var s3 = AwsEmulators.s3Client();
            s3.createBucket(b -> b.bucket(bucket));
            S3BlobStore blobs = new S3BlobStore(s3, bucket, tmp.resolve("cache"));
            String account = "acct-wjar";
            Task face = PretrainedModels.faceDetector();
            OnnxBackend b = (OnnxBackend) face.backend();
            String model = blobs.put(account, "model", Files.readAllBytes(PretrainedModels.modelSource().file(b.model())));
            Task task = new Task(face.id(), face.name(), face.kind(), face.labels(), new OnnxBackend(model, b.preprocessing(), b.output()));
            ImageRef image = astronaut(blobs, account);
            var action = FlowParser.parseAction(EventFiles.JSON.readTree("""
                    {"type": "detection", "id": "faces", "task": "%s", "output_field": "faces"}""".formatted(task.id())), "a")
                    .definition().topNode();
            StepContext context = new StepContext(account, id -> Optional.of(task).filter(t -> t.id().equals(id)),
                    id -> Optional.empty(), t -> null, null, ServiceCatalog.empty());
            byte[] request = StepCodec.request(new StepInput(action, JsonNodeFactory.instance.objectNode(), image,
                    Frame.IDENTITY, image), context);
            return new Step(request, env(bucket));
        }
    }
}

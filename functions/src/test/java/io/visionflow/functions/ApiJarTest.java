package io.visionflow.functions;

import io.visionflow.api.Api;
import io.visionflow.api.Tokens;
import io.visionflow.store.Account;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.task.http.FakeModelServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shaded API jar (built by `package`, which runs this test after the shade step): no ONNX
 * Runtime inside, and a fresh JVM on it alone builds the Api from its environment and answers
 * events, an http-task flow included.
 */
class ApiJarTest {
    static final Path JAR = Path.of(System.getProperty("visionflow.api.jar", "target/visionflow-api.jar"));

    @BeforeEach
    void onlyAfterShading() {
        // -Dtest=... also selects this class in the test phase, where the jar is stale or missing
        assumeTrue(Boolean.getBoolean("visionflow.api.jar.phase"), "runs in the package phase, after the shade step");
    }

    @Test
    void jarHasNoOnnxRuntimeAndStaysSmall() throws IOException {
        assertThat(JAR).exists();
        try (ZipFile zip = new ZipFile(JAR.toFile())) {
            assertThat(zip.stream().map(e -> e.getName()))
                    .noneMatch(n -> n.startsWith("ai/onnxruntime/"))
                    .noneMatch(n -> n.startsWith("org/apache/hc/"))
                    .contains("io/visionflow/functions/ApiHandler.class");
        }
        assertThat(Files.size(JAR)).isLessThanOrEqualTo(20L << 20);
    }

    @Test
    void freshJvmOnTheJarAnswersEvents(@TempDir Path tmp) throws Exception {
        String prefix = "jar" + UUID.randomUUID().toString().substring(0, 8) + "-";
        String bucket = prefix + "blobs";
        var s3 = AwsEmulators.s3Client();
        s3.createBucket(b -> b.bucket(bucket));
        DynamoStores dynamo = DynamoStores.of(AwsEmulators.dynamoClient(), prefix).createTables();
        var stores = dynamo.stores(new S3BlobStore(s3, bucket, tmp.resolve("cache")));
        String token = Tokens.generate();
        stores.accounts().create(new Account("acct-jar", "Jar", "secret", Instant.now()));
        stores.accounts().addToken("acct-jar", Tokens.hash(token));

        try (FakeModelServer model = FakeModelServer.start().classify("/classify", Map.of("Shirt", 0.7, "Pants", 0.3));
             Api api = Api.create(c -> {
                 c.stores = stores;
                 c.runners = new HttpOnlyRunners();
             })) {
            // the task and flow are made here, the child process only reads them from the tables
            Map<String, String> values = new HashMap<>(Map.of("TOKEN", token, "MODEL_URL", model.url(""),
                    "IMAGE_BASE64", ApiHandlerEventsTest.png()));
            ApiHandler here = new ApiHandler(api);
            var task = EventFiles.JSON.readTree(here.handleRequest(EventFiles.event("create-recognition-task", values), null).getBody());
            values.put("TASK_ID", task.path("id").asText());
            var flow = EventFiles.JSON.readTree(here.handleRequest(EventFiles.event("create-flow", values), null).getBody());
            values.put("FLOW_ID", flow.path("id").asText());

            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", JAR + java.io.File.pathSeparator + mainOnly(tmp),
                    ApiJarMain.class.getName()));
            for (String name : List.of("authorize", "process-flow", "process-flow", "error-bad-token")) {
                Path file = tmp.resolve(name + "-" + command.size() + ".json");
                Files.writeString(file, EventFiles.text(name, values));
                command.add(file.toString());
            }
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
            Map<String, String> env = pb.environment();
            env.put(ApiEnvironment.TABLE_PREFIX, prefix);
            env.put(ApiEnvironment.BUCKET, bucket);
            env.put("AWS_REGION", "us-east-1");
            env.put(ApiEnvironment.DYNAMODB_ENDPOINT, AwsEmulators.dynamoEndpoint().toString());
            env.put(S3BlobStore.ENDPOINT_VARIABLE, AwsEmulators.s3Endpoint().toString());
            env.put("AWS_ACCESS_KEY_ID", "test");
            env.put("AWS_SECRET_ACCESS_KEY", "test");
            env.put("AWS_EC2_METADATA_DISABLED", "true");
            Path err = tmp.resolve("stderr.txt");
            pb.redirectError(err.toFile());
            long start = System.nanoTime();
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            long total = (System.nanoTime() - start) / 1_000_000;
            String stderr = Files.readString(err);
            assertThat(p.exitValue()).as(out + stderr).isZero();
            assertThat(stderr).doesNotContain("onnxruntime").doesNotContain("NoClassDefFoundError");

            List<String> lines = out.lines().toList();
            assertThat(lines).as(out).hasSize(4);
            assertThat(lines.get(0)).startsWith("200 ").contains("\"user_id\":\"acct-jar\"");
            assertThat(lines.get(1)).startsWith("200 ").contains("\"best_label\"").contains("Shirt");
            assertThat(lines.get(2)).startsWith("200 ");
            assertThat(lines.get(3)).startsWith("401 ");
            System.out.printf("fresh JVM on %s (%d bytes): process ends after %d ms; per event ms: %s%n",
                    JAR.getFileName(), Files.size(JAR), total,
                    lines.stream().map(l -> l.split(" ")[1]).toList());
        }
    }

    /** A directory with the launcher class alone, so the child sees nothing of the test classpath. */
    private static Path mainOnly(Path tmp) throws IOException {
        String resource = ApiJarMain.class.getName().replace('.', '/') + ".class";
        Path dir = tmp.resolve("launcher");
        Path target = dir.resolve(resource);
        Files.createDirectories(target.getParent());
        try (var in = ApiJarMain.class.getClassLoader().getResourceAsStream(resource)) {
            Files.copy(in, target);
        }
        return dir;
    }
}

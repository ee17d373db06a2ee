package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.api.Api;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.worker.StepWorker;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SnapStart's checkpoint must capture no connection: priming runs against endpoints that only
 * count who connects, and nobody may.
 */
class PrimingTest {

    /** A loopback port that accepts and counts connections, and answers nothing. */
    static final class Listener implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger accepted = new AtomicInteger();

        Listener() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        accepted.incrementAndGet();
                        s.close();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void apiPrimingRunsRequestsThatReachNoStoreAndNoNetwork() throws IOException {
        try (Listener aws = new Listener()) {
            Map<String, String> env = Map.of(ApiEnvironment.TABLE_PREFIX, "prime-", ApiEnvironment.BUCKET, "prime",
                    "AWS_REGION", "eu-west-1", ApiEnvironment.DYNAMODB_ENDPOINT, aws.url(),
                    "VISIONFLOW_S3_ENDPOINT", aws.url(), LambdaStepInvoker.MODEL_WORKER, "vf-model:live",
                    LambdaStepInvoker.LAMBDA_ENDPOINT, aws.url());
            try (Api api = ApiEnvironment.create(env)) {
                Priming.ApiResource hook = new Priming.ApiResource(() -> api);
                hook.beforeCheckpoint(null);
                hook.afterRestore(null);
                assertThat(Priming.prime(api)).containsExactly(401, 404);
            }
            // the stores', S3's and the worker's calls are rehearsed up to the wire, and stopped there
            assertThat(Priming.primeTables(env)).isEqualTo(5);
            assertThat(Priming.primeBlobs(env)).isEqualTo(2);
            assertThat(Priming.primeInvoker(env)).isEqualTo(1);
            assertThat(aws.accepted).hasValue(0);
        }
    }

    @Test
    void workerPrimingTouchesNoBucket() throws IOException {
        try (Listener s3 = new Listener()) {
            StepWorker worker = WorkerEnvironment.create(Map.of(ApiEnvironment.BUCKET, "prime", "AWS_REGION", "eu-west-1",
                    "VISIONFLOW_S3_ENDPOINT", s3.url()), ServiceCatalog.empty());
            new Priming.Worker(() -> worker).beforeCheckpoint(null);
            assertThat(s3.accepted).hasValue(0);
        }
    }

    @Test
    void withoutWorkersOrQueuesNeitherS3NorLambdaIsRehearsed() {
        Map<String, String> env = Map.of(ApiEnvironment.TABLE_PREFIX, "prime-", ApiEnvironment.BUCKET, "prime");
        assertThat(ApiEnvironment.imagesInS3(env)).isFalse();
        assertThat(Priming.primeInvoker(env)).isZero();
        assertThat(Priming.primeBlobs(Map.of())).isZero();
    }

    @Test
    void theLambdaConstructorsSurviveABadEnvironmentAndTheFirstEventReportsIt() throws IOException {
        // no environment here: the constructors' warm-up fails to build the engine, and says nothing
        ApiHandler api = new ApiHandler();
        new ModelWorkerHandler();
        new ServiceWorkerHandler();
        JsonNode event = new ObjectMapper().readTree(
                "{\"rawPath\": \"/flows/v2/flow/\", \"requestContext\": {\"http\": {\"method\": \"GET\"}}}");
        assertThatThrownBy(() -> api.handle(event, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(ApiEnvironment.TABLE_PREFIX);
    }
}

package io.visionflow.functions;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.engine.StepFailure;
import io.visionflow.worker.StepInvoker;
import io.visionflow.worker.WorkerKind;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.LambdaClientBuilder;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;

/**
 * Runs a step in its worker function with a synchronous Lambda {@code Invoke}. The SDK retries
 * throttling and Lambda's own 5xx with backoff (steps are idempotent: a retried step charges
 * nothing twice, since the driver charges from the one reply it keeps); what is left is mapped to
 * the status the record gets: a crashed or timed-out worker 502/504, throttling 503, no answer in
 * time 504.
 */
public final class LambdaStepInvoker implements StepInvoker {
    /** Name, ARN or {@code name:alias} of the model worker function. */
    public static final String MODEL_WORKER = "VISIONFLOW_MODEL_WORKER";
    public static final String SERVICE_WORKER = "VISIONFLOW_SERVICE_WORKER";
    /** An Invoke endpoint instead of AWS's: {@code sam local start-lambda}, or a test server. */
    public static final String LAMBDA_ENDPOINT = "VISIONFLOW_LAMBDA_ENDPOINT";
    private static final ObjectMapper JSON = Mappers.create();

    private final Supplier<LambdaClient> lambda;
    private final Map<WorkerKind, String> functions;

    public LambdaStepInvoker(LambdaClient lambda, Map<WorkerKind, String> functions) {
        this(() -> lambda, functions);
    }

    /** An invoker whose client is built on the first step: requests without model steps never pay for it. */
    public LambdaStepInvoker(Supplier<LambdaClient> lambda, Map<WorkerKind, String> functions) {
        this.lambda = Lazy.of(lambda);
        this.functions = new EnumMap<>(functions);
    }

    /**
     * A Lambda client on the URL-connection HTTP client; {@code callTimeout} bounds one step,
     * retries included. Region and endpoint come from the environment, credentials from the SDK's
     * default chain.
     */
    public static LambdaClient client(Map<String, String> env, Duration callTimeout) {
        LambdaClientBuilder builder = LambdaClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        // a step may legitimately take as long as the whole call allows
                        .socketTimeout(callTimeout))
                .overrideConfiguration(o -> o.apiCallTimeout(callTimeout));
        return ApiEnvironment.located(builder, env, LAMBDA_ENDPOINT).build();
    }

    @Override
    public byte[] invoke(WorkerKind worker, byte[] request) throws StepFailure {
        String function = functions.get(worker);
        if (function == null) {
            throw new StepFailure(501, "this deployment has no " + name(worker) + " worker");
        }
        try {
            InvokeResponse response = lambda.get().invoke(b -> b.functionName(function)
                    .payload(SdkBytes.fromByteArrayUnsafe(request)));
            byte[] payload = response.payload() == null ? new byte[0] : response.payload().asByteArrayUnsafe();
            if (response.functionError() != null) {
                String message = errorMessage(payload);
                // Lambda reports its own timeout as a function error: "... Task timed out after 30.00 seconds"
                int status = message.contains("timed out") ? 504 : 502;
                throw new StepFailure(status, "the " + name(worker) + " worker failed: " + message);
            }
            return payload;
        } catch (TooManyRequestsException e) {
            throw new StepFailure(503, "the " + name(worker) + " worker is at its concurrency limit; retry later", e);
        } catch (ApiCallTimeoutException | ApiCallAttemptTimeoutException e) {
            throw new StepFailure(504, "the " + name(worker) + " worker did not answer in time", e);
        } catch (LambdaException e) {
            String detail = e.awsErrorDetails() != null ? e.awsErrorDetails().errorMessage() : e.getMessage();
            throw new StepFailure(502, "cannot invoke the " + name(worker) + " worker: " + detail, e);
        } catch (SdkException e) {
            if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
                throw new CancellationException("the step was cancelled"); // the driver's deadline or a shutdown
            }
            throw new StepFailure(502, "cannot reach the " + name(worker) + " worker: " + e.getMessage(), e);
        }
    }

    private static String name(WorkerKind worker) {
        return worker == WorkerKind.MODEL ? "model" : "service";
    }

    /** The {@code errorMessage} of Lambda's error payload, or the payload itself. */
    private static String errorMessage(byte[] payload) {
        try {
            JsonNode error = JSON.readTree(payload);
            if (error != null && error.path("errorMessage").isTextual()) {
                return error.get("errorMessage").asText();
            }
        } catch (IOException e) {
            // not JSON: reported as it is below
        }
        String raw = new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        return raw.length() > 500 ? raw.substring(0, 500) + "…" : raw;
    }
}

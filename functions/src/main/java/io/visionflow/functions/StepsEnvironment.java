package io.visionflow.functions;

import io.visionflow.api.Api;
import io.visionflow.store.BlobStore;
import io.visionflow.async.AsyncSteps;
import io.visionflow.async.sqs.RoutedSqsStepQueue;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.worker.WorkerKind;
import io.visionflow.webhook.sqs.SqsWebhookQueue;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where a function's async steps travel and what they keep, from its environment (DESIGN section 4,
 * "cloud, async"): one SQS queue per kind of step, consumed by the function that holds what the
 * step needs, and the runs in the table {@code <prefix>runs}. Every function that sends or handles
 * step messages reads the same variables, since any of them may continue a run. Used by the API
 * function and the consumers in both jars, so it names nothing of the Lambda SDK.
 */
public final class StepsEnvironment {
    /** Control steps (record starts, lists, nested flows), and every kind without a queue of its own. */
    public static final String CONTROL_QUEUE_URL = "VISIONFLOW_CONTROL_QUEUE_URL";
    /** Model steps (recognition, detection, selectors), consumed by the model worker function. */
    public static final String MODEL_QUEUE_URL = "VISIONFLOW_MODEL_QUEUE_URL";
    /** Service steps, consumed by the service worker function. */
    public static final String SERVICE_QUEUE_URL = "VISIONFLOW_SERVICE_QUEUE_URL";
    /** An SQS endpoint instead of AWS's: ElasticMQ in tests. */
    public static final String SQS_ENDPOINT = WebhookEnvironment.SQS_ENDPOINT;

    private StepsEnvironment() {
    }

    /**
     * The queue URL of each kind of step message the environment names; empty when it names none
     * (async requests then run in the process that accepted them, as before).
     *
     * @throws IllegalStateException when a worker's queue is named without the control queue
     */
    static Map<String, String> queues(Map<String, String> env) {
        Map<String, String> urls = new LinkedHashMap<>();
        for (var e : Map.of(AsyncSteps.CONTROL, CONTROL_QUEUE_URL, AsyncSteps.kind(WorkerKind.MODEL), MODEL_QUEUE_URL,
                AsyncSteps.kind(WorkerKind.SERVICE), SERVICE_QUEUE_URL).entrySet()) {
            String url = env.get(e.getValue());
            if (url != null && !url.isBlank()) {
                urls.put(e.getKey(), url.trim());
            }
        }
        if (!urls.isEmpty() && !urls.containsKey(AsyncSteps.CONTROL)) {
            throw new IllegalStateException("environment variable " + CONTROL_QUEUE_URL + " is not set, but "
                    + String.join(", ", urls.keySet()) + " queue(s) are: every step without a queue of its own goes to it");
        }
        return urls;
    }

    /** Whether the environment names step queues, so that this function sends (and may handle) step messages. */
    static boolean named(Map<String, String> env) {
        return !queues(env).isEmpty();
    }

    /**
     * Points the Api's async requests at the queues and the runs table, when the environment names
     * queues; returns whether it did. Only sends: in Lambda the event sources receive. The SQS
     * client is built on the first message, so an instance that never sends one pays nothing for it.
     */
    static boolean configure(Api.Config c, Map<String, String> env, DynamoStores tables) {
        Supplier<SqsClient> sqs = Lazy.of(() -> client(env));
        String webhooks = env.get(WebhookEnvironment.QUEUE_URL);
        if (webhooks != null && !webhooks.isBlank()) {
            // a finished request's webhook leaves from its own queue, from whichever function ended it;
            // one too large for a message waits in the bucket (c.stores is set before this is called)
            BlobStore blobs = c.stores.blobs();
            Supplier<SqsWebhookQueue> queue = Lazy.of(() -> new SqsWebhookQueue(sqs.get(), webhooks.trim(), blobs));
            c.webhookQueue = message -> queue.get().enqueue(message);
        }
        Map<String, String> queues = queues(env);
        if (queues.isEmpty()) {
            return false;
        }
        RoutedSqsStepQueue queue = new RoutedSqsStepQueue(sqs, queues);
        c.asyncState = tables.asyncState(Clock.systemUTC());
        c.stepQueue = (handler, deadLetter) -> queue;
        return true;
    }

    /** An SQS client on the URL-connection HTTP client, as every client here (region, endpoint from env). */
    static SqsClient client(Map<String, String> env) {
        return WebhookEnvironment.sqsClient(env);
    }
}

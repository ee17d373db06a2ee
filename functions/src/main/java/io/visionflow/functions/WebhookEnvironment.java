package io.visionflow.functions;

import io.visionflow.net.OutboundPolicy;
import io.visionflow.store.Account;
import io.visionflow.store.AccountStore;
import io.visionflow.store.BlobStore;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.webhook.WebhookDeliveries;
import io.visionflow.webhook.WebhookSender;
import io.visionflow.webhook.sqs.SqsWebhookQueue;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Builds the webhook function's consumer from its environment: the queue it receives from
 * ({@value #QUEUE_URL}, which the API function sends to), the accounts table for the secrets
 * ({@link ApiEnvironment#TABLE_PREFIX}), the bucket where webhooks too large for a message wait
 * ({@link ApiEnvironment#BUCKET}) and the outbound address rule ({@code VISIONFLOW_ALLOW_LOOPBACK}).
 */
public final class WebhookEnvironment {
    /** The webhook queue's URL: where the API function sends webhooks and the webhook function changes their visibility. */
    public static final String QUEUE_URL = "VISIONFLOW_WEBHOOK_QUEUE_URL";
    /** An SQS endpoint override (ElasticMQ in tests); unset in the cloud. */
    public static final String SQS_ENDPOINT = "VISIONFLOW_SQS_ENDPOINT";

    /** What the handler works with. */
    record Consumer(SqsWebhookQueue queue, WebhookDeliveries deliveries) {
    }

    private WebhookEnvironment() {
    }

    static Consumer create(Map<String, String> env) {
        // SecureRandom: a generator seeded before a SnapStart snapshot would jitter every restored
        // instance alike, bunching the retries that jitter is there to spread
        return create(env, WebhookSender.Options.defaults(), new SecureRandom());
    }

    static Consumer create(Map<String, String> env, WebhookSender.Options options, RandomGenerator random) {
        String url = ApiEnvironment.required(env, QUEUE_URL);
        String prefix = ApiEnvironment.required(env, ApiEnvironment.TABLE_PREFIX);
        AccountStore accounts = DynamoStores.of(ApiEnvironment.dynamoClient(env), prefix).accounts();
        WebhookSender sender = new WebhookSender(options, OutboundPolicy.fromEnvironment(env), Clock.systemUTC(), random);
        // a webhook too large for an SQS message waits in the bucket; the S3 client is built when one comes
        String bucket = env.get(ApiEnvironment.BUCKET);
        BlobStore blobs = bucket == null || bucket.isBlank() ? null : new S3BlobStore(Lazy.of(() -> S3BlobStore.client(env)),
                bucket.trim(), Path.of(System.getProperty("java.io.tmpdir"), "visionflow-blobs"));
        return new Consumer(new SqsWebhookQueue(sqsClient(env), url, blobs),
                new WebhookDeliveries(sender, account -> accounts.get(account).map(Account::webhookSecret)));
    }

    /** An SQS client for {@link SqsWebhookQueue}, on the URL-connection HTTP client like every client here. */
    public static SqsClient sqsClient(Map<String, String> env) {
        return ApiEnvironment.located(SqsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), env,
                SQS_ENDPOINT).build();
    }
}

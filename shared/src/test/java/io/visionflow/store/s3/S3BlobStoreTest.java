package io.visionflow.store.s3;

import io.visionflow.store.BlobKeys;
import io.visionflow.store.BlobStore;
import io.visionflow.store.BlobStoreContract;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.StoreException;
import io.visionflow.store.aws.AwsEmulators;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The blob contract on s3rver, plus what is particular to S3: object layout, uploads, the local cache. */
class S3BlobStoreTest extends BlobStoreContract {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static final AtomicInteger PUTS = new AtomicInteger();
    private static S3Client s3;

    @TempDir
    Path cacheDir;
    private String bucket;

    @BeforeAll
    static void client() {
        s3 = AwsEmulators.s3Client(b -> b.overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof PutObjectRequest) {
                    PUTS.incrementAndGet();
                }
            }
        })));
    }

    @AfterAll
    static void closeClient() {
        s3.close();
    }

    @Override
    protected BlobStore newStore() {
        // a bucket per test: every test starts from an empty store
        bucket = "blobs-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
        s3.createBucket(b -> b.bucket(bucket));
        return new S3BlobStore(s3, bucket, cacheDir);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void objectKeysStartWithTheKindSoALifecycleRuleCanExpireImages() {
        String key = store.put(A, "image", bytes("a photo"));

        String sha = BlobKeys.sha256Hex(bytes("a photo"));
        assertThat(S3BlobStore.objectKey(key)).isEqualTo(S3BlobStore.IMAGE_PREFIX + A + "/" + sha);
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("image/" + A + "/" + sha)).asUtf8String()).isEqualTo("a photo");
    }

    @Test
    void aStoredModelIsNotUploadedAgainButAnImageIsRewrittenToRestartItsExpiry() {
        int before = PUTS.get();
        store.put(A, "model", bytes("weights"));
        store.put(A, "model", bytes("weights"));
        assertThat(PUTS.get() - before).isEqualTo(1);

        store.put(A, "image", bytes("pixels"));
        store.put(A, "image", bytes("pixels"));
        assertThat(PUTS.get() - before).isEqualTo(3);

        // a request's JSON too large for its item expires by a rule of its own, and is rewritten too
        String json = store.put(A, io.visionflow.store.RequestStore.BLOB_KIND, bytes("{\"records\": []}"));
        store.put(A, io.visionflow.store.RequestStore.BLOB_KIND, bytes("{\"records\": []}"));
        assertThat(PUTS.get() - before).isEqualTo(5);
        assertThat(S3BlobStore.objectKey(json)).startsWith(S3BlobStore.REQUEST_PREFIX + A + "/");
    }

    @Test
    void localFileDownloadsOnceIntoTheCacheAndReusesIt() throws Exception {
        String key = store.put(A, "model", bytes("onnx"));

        Path file = store.localFile(key);
        // gone from S3 behind the store's back: a second download would fail
        s3.deleteObject(b -> b.bucket(bucket).key(S3BlobStore.objectKey(key)));

        assertThat(file).startsWith(cacheDir).isEqualTo(cacheDir.resolve(key));
        assertThat(store.localFile(key)).isEqualTo(file);
        assertThat(Files.readString(file)).isEqualTo("onnx");
        try (Stream<Path> files = Files.walk(cacheDir)) {
            assertThat(files.filter(Files::isRegularFile)).containsExactly(file);
        }
    }

    @Test
    void aMissingObjectIsNotFoundAndLeavesNothingInTheCache() throws Exception {
        String key = BlobStore.key(A, "model", BlobKeys.sha256Hex(bytes("never stored")));

        assertThat(store.get(key)).isEmpty();
        assertThatThrownBy(() -> store.localFile(key)).isInstanceOf(NotFoundException.class).hasMessageContaining(key);
        assertThat(store.delete(key)).isFalse();
        try (Stream<Path> files = Files.walk(cacheDir)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void malformedKeysAreNeverSentToS3() {
        assertThat(store.get("../../etc/passwd")).isEmpty();
        assertThat(store.delete("a/b")).isFalse();
        assertThatThrownBy(() -> store.localFile("a/b/../../x")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aDownloadThatDoesNotMatchItsKeyIsRejectedAndNotCached() throws Exception {
        String key = store.put(A, "model", bytes("the real model"));
        s3.putObject(b -> b.bucket(bucket).key(S3BlobStore.objectKey(key)), RequestBody.fromString("tampered"));

        assertThatThrownBy(() -> store.localFile(key)).isInstanceOf(StoreException.class).hasMessageContaining("SHA-256");
        assertThat(cacheDir.resolve(key)).doesNotExist();
    }

    @Test
    void aBucketThatDoesNotExistFailsWithItsName() {
        String key = store.put(A, "model", bytes("m"));
        BlobStore missing = new S3BlobStore(s3, "no-such-bucket", cacheDir);

        assertThatThrownBy(() -> missing.put(A, "model", bytes("m")))
                .isInstanceOf(StoreException.class).hasMessageContaining("S3 bucket \"no-such-bucket\" does not exist");
        assertThatThrownBy(() -> missing.put(A, "image", bytes("i")))
                .isInstanceOf(StoreException.class).hasMessageContaining("S3 bucket \"no-such-bucket\" does not exist");
        // a missing bucket is a fault, never an absent blob
        assertThatThrownBy(() -> missing.get(key))
                .isInstanceOf(StoreException.class).hasMessageContaining("S3 bucket \"no-such-bucket\" does not exist");
        assertThatThrownBy(() -> missing.localFile(key))
                .isInstanceOf(StoreException.class).isNotInstanceOf(NotFoundException.class)
                .hasMessageContaining("S3 bucket \"no-such-bucket\" does not exist");
        assertThatThrownBy(() -> missing.delete(key))
                .isInstanceOf(StoreException.class).hasMessageContaining("S3 bucket \"no-such-bucket\" does not exist");
    }

    @Test
    void theEnvironmentClientTakesEndpointAndRegionFromVariablesAndCredentialsFromTheDefaultChain() {
        // the default chain reads these system properties before the environment
        System.setProperty("aws.accessKeyId", "S3RVER");
        System.setProperty("aws.secretAccessKey", "S3RVER");
        try (S3Client client = S3BlobStore.client(Map.of(
                S3BlobStore.ENDPOINT_VARIABLE, AwsEmulators.s3Endpoint().toString(),
                S3BlobStore.REGION_VARIABLE, "eu-west-1"))) {
            BlobStore viaEnvironment = new S3BlobStore(client, bucket, cacheDir);

            String key = viaEnvironment.put(A, "model", bytes("from env"));

            assertThat(client.serviceClientConfiguration().region().id()).isEqualTo("eu-west-1");
            assertThat(store.get(key)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("from env")));
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }
}

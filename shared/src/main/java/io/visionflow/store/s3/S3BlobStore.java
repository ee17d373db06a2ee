package io.visionflow.store.s3;

import io.visionflow.store.BlobKeys;
import io.visionflow.store.BlobStore;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.StoreException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Blobs as S3 objects. A blob key {@code <account>/<kind>/<sha256>} is stored as the object
 * {@code <kind>/<account>/<sha256>}: the kind comes first so that one bucket lifecycle rule per
 * kind can match it by prefix. Request images ({@value #IMAGE_PREFIX}) are meant to expire by
 * such a rule; models ({@code model/}) are kept.
 *
 * <p>{@link #localFile} downloads an object once into a local cache directory ({@code /tmp} on
 * Lambda, which survives warm invocations) and reuses it: the bytes behind a key never change,
 * so a cached copy is never stale. A blob deleted through another instance stays readable from
 * this instance's cache until the cache directory goes away.
 */
public final class S3BlobStore implements BlobStore {
    /** Object-key prefix of request images; the bucket's lifecycle rule expires this prefix. */
    public static final String IMAGE_PREFIX = "image/";
    /**
     * Object-key prefix of requests' payloads and responses too large for their DynamoDB items;
     * a lifecycle rule expires it too, after the requests themselves.
     */
    public static final String REQUEST_PREFIX = io.visionflow.store.RequestStore.BLOB_KIND + "/";
    /** Endpoint of an S3-compatible server (s3rver, LocalStack) instead of AWS. */
    public static final String ENDPOINT_VARIABLE = "VISIONFLOW_S3_ENDPOINT";
    public static final String REGION_VARIABLE = "AWS_REGION";

    private final Supplier<S3Client> client;
    private final String bucket;
    private final Path cacheDir;

    public S3BlobStore(S3Client s3, String bucket, Path cacheDir) {
        this(() -> s3, bucket, cacheDir);
    }

    /**
     * A store that asks {@code s3} for its client at each call: given a supplier that builds the
     * client on first use and keeps it, a function that answers requests without blobs (most API
     * calls) never pays for the S3 client's start-up.
     */
    public S3BlobStore(Supplier<S3Client> s3, String bucket, Path cacheDir) {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("an S3 bucket name is required");
        }
        this.client = s3;
        this.bucket = bucket;
        this.cacheDir = cacheDir;
    }

    /** A store on a client configured from the process environment; see {@link #client(Map)}. */
    public static S3BlobStore fromEnvironment(String bucket, Path cacheDir) {
        return new S3BlobStore(client(System.getenv()), bucket, cacheDir);
    }

    /**
     * An S3 client with the URL-connection HTTP client. {@value #REGION_VARIABLE} sets the region
     * and {@value #ENDPOINT_VARIABLE} an endpoint override; credentials always come from the SDK's
     * default provider chain (the function's role on Lambda), never from code.
     */
    public static S3Client client(Map<String, String> env) {
        return builder(env).build();
    }

    /** The builder of {@link #client}, for a host that adds to it (a rehearsal's interceptor, say). */
    public static S3ClientBuilder builder(Map<String, String> env) {
        S3ClientBuilder builder = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
        String region = env.get(REGION_VARIABLE);
        if (region != null && !region.isBlank()) {
            builder.region(Region.of(region));
        }
        String endpoint = env.get(ENDPOINT_VARIABLE);
        if (endpoint != null && !endpoint.isBlank()) {
            // emulators have no DNS name per bucket, and s3rver neither decodes aws-chunked
            // bodies nor knows flexible checksums
            builder.endpointOverride(URI.create(endpoint))
                    .forcePathStyle(true)
                    .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return builder;
    }

    private S3Client s3() {
        return client.get();
    }

    public String bucket() {
        return bucket;
    }

    /**
     * Idempotent by content addressing: the same key always means the same bytes. A model that
     * is already stored is not uploaded again (one HEAD instead of re-sending megabytes). An image
     * or a request's JSON is always written: the overwrite restarts its lifecycle clock, so a blob
     * stored again by a new request does not expire under it at the first upload's date.
     */
    @Override
    public String put(String account, String kind, byte[] bytes) {
        String key = BlobKeys.keyOf(account, kind, bytes);
        String objectKey = objectKey(key);
        try {
            if (!expires(objectKey) && exists(objectKey)) {
                return key;
            }
            // S3 checks the upload against the digest the key already holds
            String sha256 = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(key.substring(key.lastIndexOf('/') + 1)));
            s3().putObject(b -> b.bucket(bucket).key(objectKey).contentLength((long) bytes.length).checksumSHA256(sha256),
                    RequestBody.fromBytes(bytes));
            return key;
        } catch (SdkException e) {
            throw failure("cannot store blob " + key, e);
        }
    }

    /** Objects a lifecycle rule deletes; each write restarts their clock. */
    private static boolean expires(String objectKey) {
        return objectKey.startsWith(IMAGE_PREFIX) || objectKey.startsWith(REQUEST_PREFIX);
    }

    @Override
    public Optional<byte[]> get(String key) {
        if (!BlobKeys.isValid(key)) {
            return Optional.empty();
        }
        try {
            return Optional.of(s3().getObjectAsBytes(b -> b.bucket(bucket).key(objectKey(key))).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("cannot read blob " + key, e);
        }
    }

    @Override
    public Path localFile(String key) throws IOException {
        if (!BlobKeys.isValid(key)) {
            throw new NotFoundException("no blob " + key);
        }
        Path file = cacheDir.resolve(key);
        if (Files.isRegularFile(file)) {
            return file;
        }
        Files.createDirectories(file.getParent());
        // a unique temporary name per download: concurrent callers never see a partial file, and
        // whichever rename lands last replaces an identical copy
        Path tmp = Files.createTempFile(file.getParent(), ".tmp-", "");
        try {
            download(key, tmp);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void download(String key, Path tmp) throws IOException {
        MessageDigest sha256 = sha256();
        try (ResponseInputStream<GetObjectResponse> body = s3().getObject(b -> b.bucket(bucket).key(objectKey(key)));
             InputStream in = new DigestInputStream(body, sha256);
             OutputStream out = Files.newOutputStream(tmp)) {
            in.transferTo(out);
        } catch (NoSuchKeyException e) {
            throw new NotFoundException("no blob " + key);
        } catch (SdkException e) {
            throw failure("cannot download blob " + key, e);
        }
        // a truncated or corrupted download must not become the cached model
        String got = HexFormat.of().formatHex(sha256.digest());
        if (!key.endsWith("/" + got)) {
            throw new StoreException("blob " + key + " downloaded from s3://" + bucket + "/" + objectKey(key)
                    + " has SHA-256 " + got);
        }
    }

    /** True when it existed. A HEAD precedes the DELETE (S3 deletes silently), so two concurrent deletes may both say true. */
    @Override
    public boolean delete(String key) {
        if (!BlobKeys.isValid(key)) {
            return false;
        }
        String objectKey = objectKey(key);
        try {
            boolean existed = exists(objectKey);
            // even when HEAD saw nothing: DELETE is what reports a missing bucket
            s3().deleteObject(b -> b.bucket(bucket).key(objectKey));
            Files.deleteIfExists(cacheDir.resolve(key));
            return existed;
        } catch (SdkException e) {
            throw failure("cannot delete blob " + key, e);
        } catch (IOException e) {
            throw new StoreException("cannot delete the cached copy of blob " + key + ": " + e.getMessage(), e);
        }
    }

    /** The object key of a valid blob key: {@code <kind>/<account>/<sha256>}. */
    static String objectKey(String key) {
        String[] parts = key.split("/", 3);
        return parts[1] + "/" + parts[0] + "/" + parts[2];
    }

    private boolean exists(String objectKey) {
        try {
            s3().headObject(b -> b.bucket(bucket).key(objectKey));
            return true;
        } catch (NoSuchKeyException e) {
            // HEAD has no error body: a missing bucket looks the same, and the next call reports it
            return false;
        }
    }

    private StoreException failure(String what, SdkException e) {
        if (e instanceof NoSuchBucketException || e instanceof S3Exception s3e && s3e.awsErrorDetails() != null
                && "NoSuchBucket".equals(s3e.awsErrorDetails().errorCode())) {
            return new StoreException(what + ": S3 bucket \"" + bucket + "\" does not exist", e);
        }
        return new StoreException(what + " in S3 bucket \"" + bucket + "\": " + e.getMessage(), e);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}

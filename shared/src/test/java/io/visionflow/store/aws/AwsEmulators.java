package io.visionflow.store.aws;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The DynamoDB and S3 emulators of the test run: each is started on first use and shared by every
 * test class of the JVM (surefire uses one), so suites pay the start-up once; a shutdown hook
 * stops them. Clients point at them with dummy credentials.
 */
public final class AwsEmulators {
    /** Set by surefire (parent pom); where emulators/install.sh put dynalite and s3rver. */
    public static final String DIR_PROPERTY = "visionflow.emulators.dir";

    private static final Region REGION = Region.US_EAST_1;
    // tests only: s3rver checks signatures against its one built-in key pair; dynalite takes any
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("S3RVER", "S3RVER"));

    private static Emulator dynamo;
    private static Emulator s3;
    private static Path workDir;

    private AwsEmulators() {
    }

    public static synchronized URI dynamoEndpoint() {
        if (dynamo == null) {
            // no --path: tables live in memory and vanish with the process; tables are ACTIVE at
            // once instead of after dynalite's default 500 ms, so suites can create one per test
            dynamo = started(Emulator.start("dynalite", modules().resolve("dynalite/cli.js"),
                    List.of("--host", "127.0.0.1", "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"),
                    workDir().resolve("dynalite.log")), null);
        }
        return dynamo.endpoint();
    }

    public static synchronized URI s3Endpoint() {
        if (s3 == null) {
            Path data;
            try {
                data = Files.createTempDirectory(workDir(), "s3rver-data-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            s3 = started(Emulator.start("s3rver", modules().resolve("s3rver/bin/s3rver.js"),
                    List.of("--directory", data.toString(), "--address", "127.0.0.1", "--silent"),
                    workDir().resolve("s3rver.log")), data);
        }
        return s3.endpoint();
    }

    public static DynamoDbClient dynamoClient() {
        return DynamoDbClient.builder()
                .endpointOverride(dynamoEndpoint())
                .region(REGION)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    public static S3Client s3Client() {
        return s3Client(b -> { });
    }

    /** An S3 client for s3rver; {@code customize} runs last (test interceptors, say). */
    public static S3Client s3Client(Consumer<S3ClientBuilder> customize) {
        S3ClientBuilder builder = S3Client.builder()
                .endpointOverride(s3Endpoint())
                .region(REGION)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                // virtual-hosted buckets would need DNS names under 127.0.0.1; s3rver predates
                // flexible checksums and stores aws-chunked bodies undecoded (chunk signatures included)
                .forcePathStyle(true)
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        customize.accept(builder);
        return builder.build();
    }

    // stops the emulator when the JVM ends and removes its data (the logs stay)
    private static Emulator started(Emulator emulator, Path data) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.close();
            if (data != null) {
                deleteTree(data);
            }
        }, "stop " + emulator));
        return emulator;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // leftovers under target/ or the temp directory are harmless
        }
    }

    private static Path modules() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        // run outside Maven (an IDE): look for emulators/node_modules above the working directory
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("emulators/node_modules");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("system property " + DIR_PROPERTY + " is not set and no emulators/node_modules"
                + " was found above " + Path.of("").toAbsolutePath() + ": run emulators/install.sh");
    }

    // logs and s3rver's data under target/ when run by Maven, so a failed run leaves them to read
    private static synchronized Path workDir() {
        if (workDir == null) {
            try {
                Path target = Path.of("target").toAbsolutePath();
                workDir = Files.isDirectory(target)
                        ? Files.createDirectories(target.resolve("emulators"))
                        : Files.createTempDirectory("visionflow-emulators-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return workDir;
    }
}

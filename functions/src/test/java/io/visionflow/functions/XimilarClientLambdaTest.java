package io.visionflow.functions;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.Api;
import io.visionflow.api.Tokens;
import io.visionflow.compat.XimilarClientContract;
import io.visionflow.compat.XimilarPyClient;
import io.visionflow.store.Account;
import io.visionflow.store.Stores;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.s3.S3BlobStore;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/**
 * The public Python {@code ximilar-client}'s exchanges ({@link XimilarClientContract}) against the
 * API function: each request becomes the HTTP API's payload-format-2.0 event for the stage's
 * address, goes through {@link ApiHandler}'s stream entry as the Lambda runtime calls it, on the
 * DynamoDB (dynalite) and S3 (s3rver) adapters, and the function's answer is read back as API
 * Gateway returns it.
 */
class XimilarClientLambdaTest extends XimilarClientContract {
    private static final String DOMAIN = "abc123.execute-api.us-east-1.amazonaws.com";

    @Override
    protected Host open() throws Exception {
        String prefix = "ximilar" + UUID.randomUUID().toString().substring(0, 8) + "-";
        DynamoStores dynamo = DynamoStores.of(AwsEmulators.dynamoClient(), prefix).createTables();
        var s3 = AwsEmulators.s3Client();
        s3.createBucket(b -> b.bucket(prefix + "blobs"));
        Stores stores = dynamo.stores(new S3BlobStore(s3, prefix + "blobs", Files.createTempDirectory("ximilar-blobs")));
        // the suite's http tasks are served on loopback
        Api api = Api.create(c -> {
            c.stores = stores;
            c.runners = Loopback.runners();
            c.outbound = Loopback.POLICY;
        });
        ApiHandler handler = new ApiHandler(api);
        String token = Tokens.generate();
        stores.accounts().create(new Account("acct-ximilar", "Ximilar client", "secret", Instant.now()));
        stores.accounts().addToken("acct-ximilar", Tokens.hash(token));
        return new Host() {
            @Override
            public String endpoint() {
                return "https://" + DOMAIN + "/";
            }

            @Override
            public String token() {
                return token;
            }

            @Override
            public XimilarPyClient.Reply send(String method, URI url, Map<String, String> headers, byte[] body) {
                EventFiles.Response r = EventFiles.call(handler, event(method, url, headers, body).toString());
                byte[] bytes = r.getIsBase64Encoded() ? Base64.getDecoder().decode(r.getBody())
                        : r.getBody().getBytes(StandardCharsets.UTF_8);
                return new XimilarPyClient.Reply(r.getStatusCode(), XimilarPyClient.lowerCase(r.getHeaders()), bytes);
            }

            @Override
            public void close() {
                api.close();
            }
        };
    }

    /** The HTTP API's event for a request to the stage's default address: lower-case headers, raw path and query. */
    static ObjectNode event(String method, URI url, Map<String, String> headers, byte[] body) {
        ObjectNode e = JsonNodeFactory.instance.objectNode();
        e.put("version", "2.0").put("routeKey", "$default").put("rawPath", url.getRawPath())
                .put("rawQueryString", url.getRawQuery() == null ? "" : url.getRawQuery());
        ObjectNode h = e.putObject("headers");
        headers.forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), v));
        h.put("host", url.getHost()).put("x-forwarded-proto", url.getScheme()).put("x-forwarded-port", "443")
                .put("x-forwarded-for", "203.0.113.7");
        if (body != null) {
            h.put("content-length", Integer.toString(body.length));
        }
        ObjectNode context = e.putObject("requestContext");
        context.put("accountId", "123456789012").put("apiId", "abc123").put("domainName", url.getHost())
                .put("requestId", UUID.randomUUID().toString()).put("routeKey", "$default").put("stage", "$default");
        context.putObject("http").put("method", method).put("path", url.getRawPath()).put("protocol", "HTTP/1.1")
                .put("sourceIp", "203.0.113.7").put("userAgent", headers.getOrDefault("User-Agent", ""));
        if (body != null) {
            // a JSON body reaches the function as text
            e.put("body", new String(body, StandardCharsets.UTF_8));
        }
        e.put("isBase64Encoded", false);
        return e;
    }
}

package io.visionflow.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.BlobStore;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /models/v2/model/}: ONNX model upload, as the raw body ({@code application/octet-stream})
 * or the {@code file} part of a {@code multipart/form-data} body. A model's id is the SHA-256 of its
 * bytes, so uploading the same file twice gives the same id; it is stored per account.
 */
final class ModelsEndpoints {
    private final Api api;

    ModelsEndpoints(Api api) {
        this.api = api;
    }

    void register(Routes routes) {
        // a model may be larger than any JSON body, so this route has its own cap
        routes.add("POST", "/models/v2/model", () -> api.config().maxModelBytes, this::upload)
                .add("GET", "/models/v2/model/{id}", this::get);
    }

    private ApiResponse upload(Call call) {
        byte[] model = modelBytes(call);
        long cap = api.config().maxModelBytes;
        if (model.length > cap) {
            throw new ApiException(413, "the model is " + model.length + " bytes, over the limit of " + cap + " bytes");
        }
        ModelChecks checks = api.modelChecks();
        String key;
        ObjectNode description;
        if (checks.readsStoredModel()) {
            // a checker in another process reads the model from the store, so it is stored first;
            // bytes ONNX Runtime refuses are removed again (the same bytes were never a model)
            key = api.stores().blobs().put(call.account(), TaskJson.MODEL_KIND, model);
            try {
                description = checks.describe(call.account(), key, model);
            } catch (ApiException e) {
                if (e.status() == 400) {
                    api.stores().blobs().delete(key);
                }
                throw e;
            }
        } else {
            description = checks.describe(call.account(), BlobStore.key(call.account(), TaskJson.MODEL_KIND,
                    io.visionflow.store.BlobKeys.sha256Hex(model)), model);
            key = api.stores().blobs().put(call.account(), TaskJson.MODEL_KIND, model);
        }
        ObjectNode out = Call.JSON.createObjectNode();
        out.put("id", key.substring(key.lastIndexOf('/') + 1));
        out.put("size", model.length);
        out.setAll(description);
        return call.created(out);
    }

    private ApiResponse get(Call call) {
        String id = call.param("id").toLowerCase(Locale.ROOT);
        Optional<byte[]> model = TaskJson.MODEL_ID.matcher(id).matches()
                ? api.stores().blobs().get(BlobStore.key(call.account(), TaskJson.MODEL_KIND, id)) : Optional.empty();
        byte[] bytes = model.orElseThrow(() -> ApiException.notFound("model \"" + call.param("id") + "\""));
        ObjectNode out = Call.JSON.createObjectNode();
        out.put("id", id);
        out.put("size", bytes.length);
        out.setAll(api.modelChecks().describe(call.account(), BlobStore.key(call.account(), TaskJson.MODEL_KIND, id), bytes));
        return call.ok(out);
    }

    private static byte[] modelBytes(Call call) {
        String type = call.request().header("content-type").orElse("application/octet-stream");
        Optional<String> boundary = Multipart.boundary(type);
        byte[] bytes;
        if (boundary.isPresent()) {
            List<Multipart.Part> files = Multipart.parse(call.request().body(), boundary.get()).stream()
                    .filter(p -> p.name().equals("file")).toList();
            if (files.isEmpty()) {
                throw ApiException.badRequest("file", "is required: send the model in a multipart part named \"file\"");
            }
            if (files.size() > 1) {
                throw ApiException.badRequest("file", "send one model per request, found " + files.size() + " \"file\" parts");
            }
            bytes = files.get(0).body();
        } else {
            String mime = type.split(";")[0].strip().toLowerCase(Locale.ROOT);
            if (mime.equals("application/json") || mime.startsWith("text/") || mime.equals("application/x-www-form-urlencoded")) {
                throw new ApiException(415, "send the model as Content-Type application/octet-stream (the raw .onnx file) "
                        + "or multipart/form-data with a \"file\" part, not " + mime);
            }
            bytes = call.request().body();
        }
        if (bytes.length == 0) {
            throw ApiException.badRequest("file", "is empty; send the bytes of an .onnx model");
        }
        return bytes;
    }

    static String firstLine(String m) {
        if (m == null) {
            return "unknown error";
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}

package io.visionflow.api;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.BlobStore;
import io.visionflow.task.onnx.OnnxTaskRunners;

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
        ObjectNode description = describe(model);
        String key = api.stores().blobs().put(call.account(), TaskJson.MODEL_KIND, model);
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
        out.setAll(describe(bytes));
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

    /** Opens the model with ONNX Runtime: its inputs and outputs, or a 400 when it is not a model it can run. */
    static ObjectNode describe(byte[] model) {
        try (OrtSession.SessionOptions options = OnnxTaskRunners.sessionOptions(1);
             OrtSession session = OrtEnvironment.getEnvironment().createSession(model, options)) {
            ObjectNode out = Call.JSON.createObjectNode();
            out.set("inputs", nodes(session.getInputInfo()));
            out.set("outputs", nodes(session.getOutputInfo()));
            return out;
        } catch (OrtException e) {
            throw ApiException.badRequest("file", "is not an ONNX model ONNX Runtime can load: " + firstLine(e.getMessage()));
        }
    }

    private static ArrayNode nodes(Map<String, NodeInfo> infos) {
        ArrayNode out = Call.JSON.createArrayNode();
        for (NodeInfo n : infos.values()) {
            ObjectNode o = out.addObject();
            o.put("name", n.getName());
            if (n.getInfo() instanceof TensorInfo t) {
                o.put("type", t.type.toString().toLowerCase(Locale.ROOT));
                ArrayNode shape = o.putArray("shape");
                for (long d : t.getShape()) {
                    shape.add(d); // -1: dynamic
                }
            } else {
                o.put("type", n.getInfo().toString());
            }
        }
        return out;
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "unknown error";
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}

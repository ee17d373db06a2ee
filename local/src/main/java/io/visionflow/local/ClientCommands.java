package io.visionflow.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Scripting commands against a running server: {@code process}, {@code flows}, {@code tasks}.
 * The token comes from {@code --token}, else {@code VISIONFLOW_TOKEN}, else the data directory's
 * token file ({@code --data}, default {@code ./visionflow-data}).
 */
final class ClientCommands {
    static final String DEFAULT_URL = "http://localhost:8080/";
    static final int BATCH = 10;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> OPTIONS = List.of("--url", "--token", "--data", "--flow");

    private ClientCommands() {
    }

    static ApiClient client(Args a, String envToken) {
        String token = a.options().get("--token");
        if (token == null) {
            token = envToken != null && !envToken.isBlank() ? envToken.trim() : null;
        }
        if (token == null) {
            token = LocalAccount.readToken(Path.of(a.option("--data", ServeCommand.DEFAULT_DATA)));
        }
        return new ApiClient(URI.create(a.option("--url", DEFAULT_URL)), token);
    }

    /** {@code process --flow ID IMAGE...}: batches of 10, one JSON document with every record in order. */
    static int process(List<String> args, PrintStream out, PrintStream err, String envToken) throws IOException {
        Args a = Args.parse(args, OPTIONS, List.of());
        if (a == null || a.options().get("--flow") == null || a.positional().isEmpty()) {
            err.println("usage: visionflow process --flow ID [--url " + DEFAULT_URL + "] [--token T] IMAGE|URL...");
            return 2;
        }
        ApiClient client = client(a, envToken);
        List<String> images = a.positional();
        ObjectNode merged = JSON.createObjectNode();
        ArrayNode records = merged.putArray("records");
        long credits = 0;
        double seconds = 0;
        JsonNode lastStatus = null;
        for (int from = 0; from < images.size(); from += BATCH) {
            List<String> batch = images.subList(from, Math.min(images.size(), from + BATCH));
            ObjectNode body = JSON.createObjectNode().put("flow", a.options().get("--flow"));
            ArrayNode rs = body.putArray("records");
            for (String image : batch) {
                ObjectNode r = rs.addObject().put("_id", image);
                if (image.startsWith("http://") || image.startsWith("https://")) {
                    r.put("_url", image);
                } else {
                    r.put("_base64", Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(image))));
                }
            }
            ApiClient.Reply reply;
            try {
                reply = client.post("flows/v2/process", JSON.writeValueAsBytes(body));
            } catch (ConnectException e) {
                err.println("visionflow: no server answers at " + client.base() + " (start one with: visionflow serve)");
                return 1;
            }
            if (reply.status() != 200) {
                // the server's error envelope as it came, so scripts read status.code and detail
                out.println(JSON.writeValueAsString(reply.body()));
                return 1;
            }
            reply.body().path("records").forEach(records::add);
            credits += reply.body().at("/statistics/credits").asLong();
            seconds += reply.body().at("/statistics/processing time").asDouble();
            lastStatus = reply.body().get("status");
            if (images.size() > BATCH) {
                err.printf("processed %d/%d images%n", from + batch.size(), images.size());
            }
        }
        merged.set("status", lastStatus);
        merged.putObject("statistics").put("processing time", seconds).put("credits", credits);
        out.println(JSON.writeValueAsString(merged));
        return 0;
    }

    /** {@code flows}: one line per flow, {@code id<TAB>valid|invalid<TAB>version<TAB>name}, every page. */
    static int flows(List<String> args, PrintStream out, PrintStream err, String envToken) throws IOException {
        Args a = Args.parse(args, OPTIONS, List.of());
        if (a == null || !a.positional().isEmpty()) {
            err.println("usage: visionflow flows [--url " + DEFAULT_URL + "] [--token T]");
            return 2;
        }
        ApiClient client = client(a, envToken);
        try {
            List<JsonNode> flows = all(client, "flows/v2/flow/", err);
            if (flows == null) {
                return 1;
            }
            for (JsonNode f : flows) {
                out.println(f.path("id").asText() + "\t" + (f.path("valid").asBoolean() ? "valid" : "invalid")
                        + "\tv" + f.path("version").asInt() + "\t" + f.path("name").asText());
            }
            return 0;
        } catch (ConnectException e) {
            err.println("visionflow: no server answers at " + client.base() + " (start one with: visionflow serve)");
            return 1;
        }
    }

    /**
     * {@code tasks}: the server's tasks, {@code id<TAB>type<TAB>labels}; without a server (or
     * with {@code --offline}), the pretrained tasks this CLI runs in-process.
     */
    static int tasks(List<String> args, PrintStream out, PrintStream err, String envToken) throws IOException {
        if (args.contains("--offline")) {
            return Main.offlineTasks(out);
        }
        Args a = Args.parse(args, OPTIONS, List.of());
        if (a == null || !a.positional().isEmpty()) {
            err.println("usage: visionflow tasks [--url " + DEFAULT_URL + "] [--token T] | --offline");
            return 2;
        }
        ApiClient client = client(a, envToken);
        try {
            List<JsonNode> tasks = new ArrayList<>();
            for (String path : List.of("recognition/v2/task/", "detection/v2/task/")) {
                List<JsonNode> page = all(client, path, err);
                if (page == null) {
                    return 1;
                }
                tasks.addAll(page);
            }
            for (JsonNode t : tasks) {
                List<String> labels = new ArrayList<>();
                t.path("labels").forEach(l -> labels.add(l.isTextual() ? l.asText() : l.path("name").asText()));
                out.println(t.path("id").asText() + "\t" + t.path("type").asText() + "\t" + String.join(", ", labels));
            }
            return 0;
        } catch (ConnectException e) {
            err.println("visionflow: no server answers at " + client.base() + "; the pretrained tasks this CLI runs offline:");
            return Main.offlineTasks(out);
        }
    }

    /** Every item of a paginated listing, following {@code next}; null (after printing why) on an error. */
    private static List<JsonNode> all(ApiClient client, String path, PrintStream err) throws IOException {
        List<JsonNode> items = new ArrayList<>();
        String next = path;
        while (next != null) {
            ApiClient.Reply reply = client.get(next);
            if (reply.status() != 200) {
                err.println("visionflow: " + reply.status() + " from " + path + ": " + reply.body().path("detail").asText());
                return null;
            }
            reply.body().path("results").forEach(items::add);
            JsonNode n = reply.body().get("next");
            next = n == null || n.isNull() ? null : n.asText();
        }
        return items;
    }
}

package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the sample events of events/api, filling their {@code ${NAME}} placeholders. */
final class EventFiles {
    // the Lambda runtime ignores fields its event class lacks (authentication, authorizer, ...)
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+)}");

    private EventFiles() {
    }

    static Path dir() {
        // surefire runs in the module directory; the events live at the repository root
        Path dir = Path.of(System.getProperty("user.dir")).resolve("../events/api").normalize();
        if (!Files.isDirectory(dir)) {
            dir = Path.of("events/api");
        }
        return dir;
    }

    static String text(String name, Map<String, String> values) {
        try {
            String raw = Files.readString(dir().resolve(name + ".json"));
            Matcher m = PLACEHOLDER.matcher(raw);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String value = values.get(m.group(1));
                if (value == null) {
                    throw new IllegalArgumentException(name + ".json needs ${" + m.group(1) + "}");
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The event file, filled in: the bytes Lambda hands the stream handler. */
    static String event(String name, Map<String, String> values) {
        return text(name, values);
    }

    /** An API function's answer, as the HTTP API reads it. */
    record Response(int getStatusCode, Map<String, String> getHeaders, String getBody, boolean getIsBase64Encoded) {
    }

    /** Runs one event through the handler's stream entry, as the Lambda runtime does. */
    static Response call(ApiHandler handler, String event) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, null);
            return parseResponse(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Response parseResponse(byte[] json) throws IOException {
        JsonNode r = JSON.readTree(json);
        Map<String, String> headers = new LinkedHashMap<>();
        r.path("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
        return new Response(r.path("statusCode").asInt(), headers, r.path("body").asText(), r.path("isBase64Encoded").asBoolean());
    }

    /** Fails unless every event file in {@code dir} has a test in {@code test} named after it ({@code a-b.json}: {@code aB}). */
    static void assertEveryFileHasATest(java.nio.file.Path dir, Class<?> test, String label) throws IOException {
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
            java.util.List<String> tested = java.util.stream.Stream.of(test.getDeclaredMethods()).map(m -> m.getName()).toList();
            files.map(f -> f.getFileName().toString().replace(".json", "")).forEach(name -> {
                StringBuilder camel = new StringBuilder();
                for (String part : name.split("-")) {
                    camel.append(camel.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
                }
                org.assertj.core.api.Assertions.assertThat(tested).as("a test for events/" + label + "/" + name + ".json")
                        .contains(camel.toString());
            });
        }
    }
}

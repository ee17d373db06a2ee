package io.visionflow.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
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

    static APIGatewayV2HTTPEvent event(String name, Map<String, String> values) {
        return parse(text(name, values));
    }

    static APIGatewayV2HTTPEvent parse(String json) {
        try {
            return JSON.readValue(json, APIGatewayV2HTTPEvent.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

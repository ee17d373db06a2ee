package io.visionflow.telemetry;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * One JSON object per line for {@code java.util.logging}, where the JDK's {@code System.Logger}
 * writes: {@code time, level, logger, message, request_id} (of the request the logging thread works
 * for, {@link RequestContext}), the members of a {@code Map} passed as the log call's parameter (a
 * structured event: {@code LOG.log(INFO, "request", Map.of("status", 200))}) and {@code error}.
 * <p>Nothing secret or bulky gets through, whoever wrote the message: {@code Token <x>}, {@code Bearer <x>}
 * and {@code token=<x>} (or secret, password) lose the value, runs of base64 (image data) are replaced by their length, and a
 * line is cut at {@value #MAX_TEXT} characters.
 */
public final class JsonLogFormatter extends Formatter {
    static final int MAX_TEXT = 8192;
    private static final Pattern AUTHORIZATION = Pattern.compile("\\b(Token|Bearer)(\\s+)[^\\s\"',;]{8,}");
    private static final Pattern SECRET = Pattern.compile("(?i)\\b(token|secret|password)(\"?\\s*[:=]\\s*\"?)[^\\s\"',;&]+");
    private static final Pattern DATA = Pattern.compile("[A-Za-z0-9+/_-]{200,}={0,2}");

    /** Makes every handler of the root logger write JSON lines (a console handler on stderr if it has none). */
    public static void install() {
        Logger root = LogManager.getLogManager().getLogger("");
        Handler[] handlers = root.getHandlers();
        if (handlers.length == 0) {
            root.addHandler(new ConsoleHandler());
            handlers = root.getHandlers();
        }
        for (Handler h : handlers) {
            h.setFormatter(new JsonLogFormatter());
        }
    }

    @Override
    public String format(LogRecord record) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("time", Instant.ofEpochMilli(record.getMillis()).toString());
        o.put("level", record.getLevel().getName());
        o.put("logger", record.getLoggerName());
        o.put("message", clean(messageOf(record)));
        String id = RequestContext.id();
        if (id != null) {
            o.put("request_id", id);
        }
        Object[] params = record.getParameters();
        if (params != null && params.length == 1 && params[0] instanceof Map<?, ?> fields) {
            fields.forEach((k, v) -> {
                String key = String.valueOf(k);
                if (!o.has(key)) {
                    if (v instanceof Number n) {
                        o.put(key, n.doubleValue() == n.longValue() ? o.numberNode(n.longValue()) : o.numberNode(n.doubleValue()));
                    } else if (v instanceof Boolean b) {
                        o.put(key, b);
                    } else if (v != null) {
                        o.put(key, clean(String.valueOf(v)));
                    }
                }
            });
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            o.put("error", clean(trace.toString()));
        }
        try {
            return Mapper.JSON.writeValueAsString(o) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            return "{\"level\":\"SEVERE\",\"message\":\"unformattable log record\"}" + System.lineSeparator();
        }
    }

    private String messageOf(LogRecord record) {
        Object[] params = record.getParameters();
        // a structured event's map is its fields, not text to format in
        if (params != null && params.length == 1 && params[0] instanceof Map<?, ?>) {
            return record.getMessage() == null ? "" : record.getMessage();
        }
        return formatMessage(record);
    }

    /**
     * Made on the first line written, not at {@link #install}: an object mapper takes a tenth of a
     * second on a cold JVM, and a function installs the formatter before anything else.
     */
    private static final class Mapper {
        static final ObjectMapper JSON = Mappers.create();
    }

    /** The text without tokens and image data, and not longer than {@value #MAX_TEXT}. */
    static String clean(String text) {
        if (text == null) {
            return "";
        }
        String s = AUTHORIZATION.matcher(text).replaceAll("$1$2[redacted]");
        s = SECRET.matcher(s).replaceAll("$1$2[redacted]");
        s = DATA.matcher(s).replaceAll(m -> "[" + m.group().length() + " characters of data]");
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "…[cut at " + MAX_TEXT + " characters]";
    }

}

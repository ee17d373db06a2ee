package io.visionflow.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.telemetry.JsonLogFormatter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The JSON log lines (as Lambda's logs get them) that one logger writes while this is open. */
public final class LogLines implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Logger logger;
    private final Level level;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler;

    public LogLines(Class<?> of) {
        logger = Logger.getLogger(of.getName());
        level = logger.getLevel();
        logger.setLevel(Level.ALL);
        JsonLogFormatter format = new JsonLogFormatter();
        handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(format.format(r));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        logger.addHandler(handler);
    }

    public List<String> text() {
        return List.copyOf(lines);
    }

    public List<JsonNode> json() {
        return lines.stream().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(level);
    }
}

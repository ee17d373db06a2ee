package io.visionflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.task.ModelSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Reads an ONNX model of npm {@code @imgly/background-removal-data}: {@code dist/resources.json}
 * lists each resource as chunks (files in {@code dist/} named by their SHA-256) with byte offsets;
 * the model is the chunks concatenated in order. Every chunk's hash, length and offset is checked.
 */
final class ImglyModel {
    static final String PACKAGE = "@imgly/background-removal-data";
    /** ISNet, the 44 MB variant of the package ({@code /models/small}). */
    static final String SMALL = "/models/small";

    private ImglyModel() {
    }

    static byte[] read(ModelSource models, String resource) throws IOException {
        JsonNode index = new ObjectMapper().readTree(Files.readAllBytes(models.file(PACKAGE + "/dist/resources.json")));
        JsonNode entry = index.get(resource);
        if (entry == null || !entry.path("chunks").isArray()) {
            throw new IOException(PACKAGE + " has no resource " + resource);
        }
        long size = entry.path("size").asLong(-1);
        if (size <= 0 || size > Integer.MAX_VALUE) {
            throw new IOException(resource + ": bad size " + entry.path("size"));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
        MessageDigest sha256 = sha256();
        for (JsonNode chunk : entry.get("chunks")) {
            String hash = chunk.path("hash").asText();
            if (!hash.matches("[0-9a-f]{64}")) {
                throw new IOException(resource + ": bad chunk name " + chunk.path("hash"));
            }
            byte[] bytes = Files.readAllBytes(models.file(PACKAGE + "/dist/" + hash));
            long from = chunk.path("offsets").path(0).asLong(-1);
            long to = chunk.path("offsets").path(1).asLong(-1);
            if (from != out.size() || to - from != bytes.length) {
                throw new IOException(resource + ": chunk " + hash + " has " + bytes.length
                        + " bytes at offset " + out.size() + ", resources.json says " + from + ".." + to);
            }
            String actual = HexFormat.of().formatHex(sha256.digest(bytes));
            if (!actual.equals(hash)) {
                throw new IOException(resource + ": chunk " + hash + " is corrupt (its SHA-256 is " + actual + ")");
            }
            out.write(bytes);
        }
        if (out.size() != size) {
            throw new IOException(resource + ": " + out.size() + " bytes in its chunks, resources.json says " + size);
        }
        return out.toByteArray();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

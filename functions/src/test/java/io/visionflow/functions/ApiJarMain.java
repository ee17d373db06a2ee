package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs in a fresh JVM on the shaded API jar (see {@link ApiJarTest}): the Lambda constructor, then
 * one event per argument, handed over as bytes the way the runtime hands them to a stream handler;
 * prints {@code status millis body} per event, then {@code # first-answer <ms since the JVM was
 * launched>} and {@code # cpu-at-first-answer <ms>}.
 * Uses only what the jar holds.
 */
public final class ApiJarMain {
    private ApiJarMain() {
    }

    public static void main(String[] args) throws Exception {
        ApiHandler handler = new ApiHandler();
        // --primed: run the SnapStart hook first, as the snapshot would hold it
        boolean primed = args.length > 0 && args[0].equals("--primed");
        if (primed) {
            handler.priming.beforeCheckpoint(null);
        }
        long first = -1;
        long cpu = -1;
        byte[][] answers = new byte[args.length][];
        long[] millis = new long[args.length];
        for (int i = primed ? 1 : 0; i < args.length; i++) {
            byte[] event = Files.readAllBytes(Path.of(args[i]));
            long start = System.nanoTime();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(event), out, null);
            millis[i] = (System.nanoTime() - start) / 1_000_000;
            answers[i] = out.toByteArray();
            if (first < 0) {
                // from the parent's launch (FreshJvm.LAUNCHED_AT), and the CPU all threads spent until now
                first = System.currentTimeMillis() - Long.parseLong(System.getenv("VISIONFLOW_LAUNCHED_AT_MS"));
                cpu = ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
            }
        }
        ObjectMapper json = new ObjectMapper();
        for (int i = primed ? 1 : 0; i < args.length; i++) {
            JsonNode response = json.readTree(answers[i]);
            System.out.println(response.path("statusCode").asInt() + " " + millis[i] + " "
                    + response.path("body").asText().replace('\n', ' '));
        }
        System.out.println("# first-answer " + first);
        System.out.println("# cpu-at-first-answer " + cpu);
        System.out.flush();
        // Lambda freezes an instance and never shuts its JVM down: halt, so the process time holds no shutdown
        Runtime.getRuntime().halt(0);
    }
}

package io.visionflow.functions;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs in a fresh JVM on a shaded jar (see {@link StepJarsTest}): the Lambda constructor of the
 * handler class named by the first argument, its SnapStart hook when the second is
 * {@code --primed}, then one SQS event per further argument (a file), handed over as bytes the way
 * the runtime hands them to a stream handler; prints {@code millis answer} per event and
 * {@code # first-answer <ms since the JVM was launched>} and {@code # cpu-at-first-answer <ms>}.
 * Uses only what the jar holds.
 */
public final class StepJarMain {
    private StepJarMain() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> type = Class.forName(args[0]);
        RequestStreamHandler handler = (RequestStreamHandler) type.getConstructor().newInstance();
        int from = 1;
        if (args.length > 1 && args[1].equals("--primed")) {
            from++;
            // the handler's own priming resource, as the snapshot would hold it
            Field priming = null;
            for (Class<?> c = type; c != null && priming == null; c = c.getSuperclass()) {
                try {
                    priming = c.getDeclaredField("priming");
                } catch (NoSuchFieldException e) {
                    // look in the superclass
                }
            }
            priming.setAccessible(true);
            ((org.crac.Resource) priming.get(handler)).beforeCheckpoint(null);
        }
        long first = -1;
        long cpu = -1;
        for (int i = from; i < args.length; i++) {
            byte[] event = Files.readAllBytes(Path.of(args[i]));
            long start = System.nanoTime();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(event), out, null);
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (first < 0) {
                // from the parent's launch (FreshJvm.LAUNCHED_AT), and the CPU all threads spent until now
                first = System.currentTimeMillis() - Long.parseLong(System.getenv("VISIONFLOW_LAUNCHED_AT_MS"));
                cpu = ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
            }
            System.out.println(millis + " " + out.toString(StandardCharsets.UTF_8).replace('\n', ' '));
        }
        System.out.println("# first-answer " + first);
        System.out.println("# cpu-at-first-answer " + cpu);
        System.out.flush();
        // Lambda freezes an instance and never shuts its JVM down: halt, so the process time holds no shutdown
        Runtime.getRuntime().halt(0);
    }
}

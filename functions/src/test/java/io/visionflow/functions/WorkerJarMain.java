package io.visionflow.functions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs in a fresh JVM on a shaded worker jar (see {@link WorkerJarTest}): the Lambda constructor
 * of the model worker (of the service worker when the first argument is {@code service}), then
 * one step per argument (a file with the step's JSON); prints
 * {@code millis reply} per step, then {@code # first-answer <ms since the JVM was launched>} and
 * {@code # cpu-at-first-answer <ms>}.
 */
public final class WorkerJarMain {
    private WorkerJarMain() {
    }

    public static void main(String[] args) throws Exception {
        // the model worker, or the service worker when the first argument is "service"
        boolean service = args.length > 0 && args[0].equals("service");
        int from = service ? 1 : 0;
        WorkerHandler handler;
        if (service) {
            handler = new ServiceWorkerHandler();
        } else {
            ModelWorkerHandler model = new ModelWorkerHandler();
            // --primed: run the SnapStart hook first, as the snapshot would hold it
            if (args.length > from && args[from].equals("--primed")) {
                model.priming.beforeCheckpoint(null);
                from++;
            }
            handler = model;
        }
        long first = -1;
        long cpu = -1;
        for (String file : java.util.Arrays.asList(args).subList(from, args.length)) {
            byte[] step = Files.readAllBytes(Path.of(file));
            long start = System.nanoTime();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(step), out, null);
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
        Runtime.getRuntime().halt(0);
    }
}

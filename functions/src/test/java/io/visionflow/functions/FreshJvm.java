package io.visionflow.functions;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a launcher class in a new JVM whose classpath is one shaded jar and the launcher alone, so
 * it sees nothing of the test classpath: what a Lambda instance would load from that jar.
 */
final class FreshJvm {
    /** The epoch millisecond the parent launched the JVM at, in the launcher's environment. */
    static final String LAUNCHED_AT = "VISIONFLOW_LAUNCHED_AT_MS";

    record Result(int exit, List<String> lines, String stderr, long millis) {
        /** The value of a {@code # name value} line the launcher printed. */
        long stat(String name) {
            return lines.stream().filter(l -> l.startsWith("# " + name + " ")).findFirst()
                    .map(l -> Long.parseLong(l.substring(name.length() + 3).trim()))
                    .orElseThrow(() -> new AssertionError("no " + name + " in " + lines + stderr));
        }

        /** The lines that answer the launcher's arguments, one per argument. */
        List<String> answers() {
            // the API function also writes one CloudWatch EMF line per request on standard output
            return lines.stream().filter(l -> !l.startsWith("#") && !l.startsWith("{\"_aws\"")).toList();
        }
    }

    private FreshJvm() {
    }

    static Result run(Path jar, Class<?> main, Map<String, String> env, List<String> args, Path tmp)
            throws IOException, InterruptedException {
        return run(jar, main, env, args, tmp, List.of(), false);
    }

    /**
     * @param jvmFlags options before the class path, as Lambda's JAVA_TOOL_OPTIONS would add them
     * @param oneCore  run the JVM on the first core alone ({@code taskset}): it sizes its threads for one
     */
    static Result run(Path jar, Class<?> main, Map<String, String> env, List<String> args, Path tmp,
                      List<String> jvmFlags, boolean oneCore) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (oneCore) {
            command.addAll(List.of("taskset", "-c", "0"));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", jar + File.pathSeparator + launcherOnly(tmp, main), main.getName()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        // credentials the SDK's default chain finds, as Lambda gives them; never real ones
        pb.environment().putIfAbsent("AWS_ACCESS_KEY_ID", "S3RVER"); // what s3rver accepts; dynalite takes any
        pb.environment().putIfAbsent("AWS_SECRET_ACCESS_KEY", "S3RVER");
        pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        Path err = Files.createTempFile(tmp, "stderr-", ".txt");
        pb.redirectError(err.toFile());
        long start = System.nanoTime();
        // the launcher times its first answer from here: the start time the kernel gives a process
        // is only as exact as the boot time it counts from, a whole second
        pb.environment().put(LAUNCHED_AT, Long.toString(System.currentTimeMillis()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the JVM on " + jar + " did not end: " + out + Files.readString(err));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        return new Result(p.exitValue(), out.lines().toList(), Files.readString(err), millis);
    }

    /** A directory with the launcher class alone. */
    private static Path launcherOnly(Path tmp, Class<?> main) throws IOException {
        String resource = main.getName().replace('.', '/') + ".class";
        Path dir = tmp.resolve("launcher-" + main.getSimpleName());
        Path target = dir.resolve(resource);
        if (!Files.exists(target)) {
            Files.createDirectories(target.getParent());
            try (var in = main.getClassLoader().getResourceAsStream(resource)) {
                Files.copy(in, target);
            }
        }
        return dir;
    }
}

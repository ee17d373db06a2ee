package io.visionflow.store.aws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One emulator (dynalite, s3rver) running as a {@code node} child process on a free loopback port,
 * its output written to a log file. {@link AwsEmulators} keeps one of each per test JVM.
 */
public final class Emulator implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    private Emulator(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code node <script> <args...> --port <free port>} and returns once the port accepts
     * connections. A port taken by someone else between probing and binding is retried.
     */
    public static Emulator start(String name, Path script, List<String> args, Path log) {
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException(name + " is not installed (" + script + " is missing): run emulators/install.sh"
                    + " (the shared module's build runs it at generate-test-resources)");
        }
        String node = findNode();
        Path watchdog = writeWatchdog(log.getParent());
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(node, "--require", watchdog.toAbsolutePath().toString(), script.toString()));
            command.addAll(args);
            command.addAll(List.of("--port", Integer.toString(port)));
            Process process;
            try {
                Files.createDirectories(log.getParent());
                process = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.PIPE)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + name + ": " + command, e);
            }
            Emulator emulator = new Emulator(name, process, port, log);
            try {
                emulator.awaitPort();
                return emulator;
            } catch (IllegalStateException e) {
                emulator.close();
                last = e;
            }
        }
        throw last;
    }

    public int port() {
        return port;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public Path log() {
        return log;
    }

    private void awaitPort() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with status " + process.exitValue()
                        + " before listening on port " + port + "; see " + log);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(20);
            }
        }
        throw new IllegalStateException(name + " did not listen on port " + port + " within " + START_TIMEOUT + "; see " + log);
    }

    /** Stops the process and whatever it started; idempotent. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " at " + endpoint();
    }

    // A JVM killed outright (kill -9, a surefire timeout) runs no shutdown hook; the emulator
    // still sees its stdin pipe from the JVM close, and exits instead of lingering on its port.
    private static Path writeWatchdog(Path dir) {
        try {
            Files.createDirectories(dir);
            Path script = dir.resolve("exit-with-parent.js");
            Files.writeString(script, "process.stdin.on('end', () => process.exit(0));\n"
                    + "process.stdin.on('error', () => process.exit(0));\n"
                    + "process.stdin.resume();\n");
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the emulator watchdog into " + dir, e);
        }
    }

    // the emulators run under the Node.js on PATH, like `npm` that installed them
    private static String findNode() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                for (String exe : List.of("node", "node.exe")) {
                    Path candidate = Path.of(dir.isEmpty() ? "." : dir, exe);
                    if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                        return candidate.toString();
                    }
                }
            }
        }
        throw new IllegalStateException("node (Node.js) is not on PATH: the AWS adapter tests run the DynamoDB"
                + " and S3 emulators (dynalite, s3rver) with it; install Node.js 18 or later");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an emulator", e);
        }
    }
}

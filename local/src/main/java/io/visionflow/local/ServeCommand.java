package io.visionflow.local;

import io.visionflow.store.BlobModelSource;

import io.visionflow.api.Api;
import io.visionflow.api.RateLimit;
import io.visionflow.telemetry.JsonLogFormatter;
import io.visionflow.local.store.SqliteStores;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.service.BuiltinServices;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.http.HttpTaskRunner;
import io.visionflow.task.onnx.PretrainedModels;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code visionflow serve [--port 8080] [--host 127.0.0.1] [--data DIR] [--demo] [--allow-loopback]
 * [--rate-limit N/s[,BURST]] [--monthly-credits N|none]}: the API on the embedded stores of a data
 * directory, until the process is stopped. It logs JSON lines on stderr (the server's access line for
 * each request) and keeps the metrics that {@code GET /metrics} shows.
 *
 * <p>Outbound requests ({@code _url} images, http tasks, webhooks) reach public addresses only, as in
 * the cloud. {@code --allow-loopback} (or {@code VISIONFLOW_ALLOW_LOOPBACK=true}) lets them reach this
 * machine and private networks too, for model servers and webhook receivers under development; the
 * server then says so in its log and its banner.
 */
final class ServeCommand {
    static final String DEFAULT_DATA = "visionflow-data";

    /** A running local server and what it holds open, closed in reverse order. */
    record Running(LocalServer server, LocalAccount account, Api api, BackendRunners runners, BuiltinServices services,
                   SqliteStores stores) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            api.close();
            runners.close();
            services.close();
            stores.close();
        }
    }

    private ServeCommand() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
        Args a = Args.parse(args, List.of("--port", "--host", "--data", "--rate-limit", "--monthly-credits"),
                List.of("--demo", "--allow-loopback"));
        String usage = "usage: visionflow serve [--port 8080] [--host 127.0.0.1] [--data DIR] [--demo] [--allow-loopback]"
                + " [--rate-limit N/s[,BURST]] [--monthly-credits N|none]";
        if (a == null || !a.positional().isEmpty()) {
            err.println(usage);
            return 2;
        }
        RateLimit rateLimit;
        Long monthlyCredits;
        try {
            rateLimit = a.option("--rate-limit", null) == null ? null : RateLimit.parse(a.option("--rate-limit", null));
            monthlyCredits = monthlyCredits(a.option("--monthly-credits", null));
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(usage);
            return 2;
        }
        JsonLogFormatter.install();
        int port = Integer.parseInt(a.option("--port", "8080"));
        OutboundPolicy outbound = a.flag("--allow-loopback") ? OutboundPolicy.allowingPrivate() : OutboundPolicy.fromEnvironment();
        Running running;
        try {
            running = start(Path.of(a.option("--data", DEFAULT_DATA)), a.option("--host", "127.0.0.1"), port,
                    a.flag("--demo"), System.getenv(LocalAccount.TOKEN_ENV), outbound, out, c -> c.rateLimit = rateLimit);
        } catch (IllegalArgumentException e) {
            // a weak chosen token: say why, without a stack trace
            err.println(e.getMessage());
            return 2;
        }
        if (monthlyCredits != null) {
            // "none" is stored as no limit; the option is kept with the account, so it holds until changed
            running.stores().stores().accounts().setMonthlyCredits(running.account().id(), monthlyCredits < 0 ? null : monthlyCredits);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** {@code --monthly-credits}: a number, or {@code none} (returned as -1) to remove the limit; null when absent. */
    static Long monthlyCredits(String value) {
        if (value == null) {
            return null;
        }
        if (value.equalsIgnoreCase("none")) {
            return -1L;
        }
        try {
            long n = Long.parseLong(value.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--monthly-credits is a whole number of credits (0 or more) or \"none\", found \"" + value + "\"");
    }

    static Running start(Path dataDir, String host, int port, boolean demo, String envToken, OutboundPolicy outbound,
                         PrintStream out) throws IOException {
        return start(dataDir, host, port, demo, envToken, outbound, out, c -> {
        });
    }

    /** @param more further settings of the Api (limits, logging) */
    static Running start(Path dataDir, String host, int port, boolean demo, String envToken, OutboundPolicy outbound,
                         PrintStream out, java.util.function.Consumer<Api.Config> more) throws IOException {
        SqliteStores stores = SqliteStores.open(dataDir);
        BackendRunners runners = null;
        BuiltinServices services = null;
        Api api = null;
        try {
            LocalAccount account = LocalAccount.open(stores.stores(), dataDir, envToken);
            if (demo) {
                for (DemoSetup.Registered r : DemoSetup.register(stores.stores(), account.id(), PretrainedModels.modelsDir())) {
                    out.printf("demo %-5s %-36s %-9s %s%n", r.kind(), r.id(), r.state(), r.name());
                }
            }
            runners = new BackendRunners(new BlobModelSource(stores.blobs(), account.id()), 1,
                    HttpTaskRunner.Settings.DEFAULTS.withPolicy(outbound));
            // the services' models (and any super-resolution model for upscale) come from the models directory
            services = BuiltinServices.open(PretrainedModels.modelSource());
            BackendRunners r = runners;
            BuiltinServices s = services;
            api = Api.create(c -> {
                c.stores = stores.stores();
                c.runners = r;
                c.services = s.catalog();
                c.outbound = outbound;
                more.accept(c);
            });
            Api a = api;
            LocalServer server = LocalServer.start(c -> {
                c.api = a;
                c.host = host;
                c.port = port;
            });
            // async requests a killed server left unfinished run again; only once the port is ours,
            // so a second server started on the same data by mistake fails before touching them
            int recovered = api.recoverRequests(List.of(account.id()));
            if (recovered > 0) {
                out.println("re-enqueued " + recovered + " unfinished async request(s)");
            }
            if (outbound.allowsPrivate()) {
                out.println("WARNING: outbound requests may reach loopback and private addresses (development only)");
            }
            banner(out, server, account, dataDir, demo);
            return new Running(server, account, api, runners, services, stores);
        } catch (IOException | RuntimeException e) {
            if (api != null) {
                api.close();
            }
            if (runners != null) {
                runners.close();
            }
            if (services != null) {
                services.close();
            }
            stores.close();
            throw e;
        }
    }

    private static void banner(PrintStream out, LocalServer server, LocalAccount account, Path dataDir, boolean demo) {
        String url = server.uri().toString();
        out.println("Visionflow listening on " + url + "  (data: " + dataDir.toAbsolutePath().normalize() + ")");
        String tokenRef;
        if (account.file() == null) {
            out.println("token: from " + LocalAccount.TOKEN_ENV);
            tokenRef = "$" + LocalAccount.TOKEN_ENV;
        } else {
            if (account.created()) {
                out.println("token (new; printed only now, kept in " + account.file() + " with mode 0600): " + account.token());
            } else {
                out.println("token: in " + account.file());
            }
            tokenRef = "$(cat " + account.file() + ")";
        }
        out.println("webhook signing secret: in " + dataDir.resolve(LocalAccount.WEBHOOK_SECRET_FILE));
        // a local file, so the line works without internet access
        Path sample = Path.of("local/src/main/resources/samples/astronaut.jpg");
        String image = Files.isRegularFile(sample) ? sample.toString() : "photo.jpg";
        String flow = demo ? "faces-and-text" : "FLOW_ID";
        out.println("try:  curl -s " + url + "flows/v2/process -H \"Authorization: Token " + tokenRef
                + "\" -H 'Content-Type: application/json' -d \"{\\\"flow\\\": \\\"" + flow
                + "\\\", \\\"records\\\": [{\\\"_base64\\\": \\\"$(base64 -w0 " + image + ")\\\"}]}\"");
        out.println("ready");
        out.flush();
    }
}

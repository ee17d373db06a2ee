package io.visionflow.api;

import io.visionflow.engine.Engine;
import io.visionflow.engine.ImageRecordLoader;
import io.visionflow.engine.StepExecutor;
import io.visionflow.flow.FlowValidator;
import io.visionflow.image.HttpUrlFetcher;
import io.visionflow.image.ImageLimits;
import io.visionflow.image.ImageStore;
import io.visionflow.image.MemoryImageStore;
import io.visionflow.image.RecordImageSource;
import io.visionflow.image.UrlFetcher;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.request.AsyncRequests;
import io.visionflow.async.AsyncState;
import io.visionflow.async.AsyncSteps;
import io.visionflow.async.InProcessStepQueue;
import io.visionflow.async.MemoryAsyncState;
import io.visionflow.async.StepQueue;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.store.ConflictException;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.Account;
import io.visionflow.store.Stores;
import io.visionflow.task.TaskRunners;
import io.visionflow.telemetry.Metrics;
import io.visionflow.telemetry.PrometheusMetrics;
import io.visionflow.telemetry.RequestContext;
import io.visionflow.webhook.InProcessWebhookQueue;
import io.visionflow.webhook.WebhookDeliveries;
import io.visionflow.webhook.WebhookQueue;
import io.visionflow.webhook.WebhookSender;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The HTTP API of DESIGN section 1 as plain request → response, so that the local server and the
 * Lambda handler are thin adapters over one implementation. {@code Api.create(cfg -> ...)} wires
 * the stores, the model runners and the limits.
 */
public final class Api implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Api.class.getName());

    /** What the API is made of; everything but the stores and runners has a default. */
    public static final class Config {
        public Stores stores;
        public TaskRunners runners;
        public ServiceCatalog services = ServiceCatalog.empty();
        /** What flows' service steps are checked against when they run elsewhere; null: {@link #services}. */
        public io.visionflow.flow.ServiceRules serviceRules;
        /** Where steps run; the cloud's API function sends model and service steps to workers. */
        public StepExecutor executor = StepExecutor.IN_PROCESS;
        /** The image store of one run of an account; blob-backed when steps run in other processes. */
        public Function<String, ImageStore> images =
                account -> new MemoryImageStore();
        /** Where models are checked; null: in this process, with ONNX Runtime (501 without it). */
        public ModelChecks modelChecks;
        /**
         * Which addresses {@code _url} images, webhooks and registered http tasks may reach (DESIGN
         * section 5): public only, unless {@code VISIONFLOW_ALLOW_LOOPBACK=true}.
         */
        public OutboundPolicy outbound = OutboundPolicy.fromEnvironment();
        /** Null: an {@link HttpUrlFetcher} under {@link #outbound}. */
        public UrlFetcher fetcher;
        public ImageLimits imageLimits = ImageLimits.defaults();
        public FlowValidator.Limits flowLimits = FlowValidator.Limits.defaults();
        public int maxRecords = 10;
        /** Labels of one task. */
        public int maxLabels = 1000;
        public long maxBodyBytes = 64L * 1024 * 1024;
        /** Largest ONNX model {@code POST /models/v2/model/} accepts. */
        public long maxModelBytes = 256L * 1024 * 1024;
        public Duration deadline = Duration.ofSeconds(60);
        public int maxConcurrency = 32;
        public Clock clock = Clock.systemUTC();
        /** Records of one async request. */
        public int maxAsyncRecords = 1000;
        public AsyncRequests.Options async = AsyncRequests.Options.defaults();
        /** What async runs keep between steps; null for this process's memory. */
        public AsyncState asyncState;
        /**
         * The queue async steps travel on; null for an in-process one with {@code async}'s workers,
         * backlog and deliveries. In the cloud one SQS queue per kind of step
         * ({@link io.visionflow.async.sqs.RoutedSqsStepQueue}), each consumed by the function that
         * holds what the kind needs; a consumer hands its deliveries to {@link #requests()}.
         */
        public StepQueue.Maker stepQueue;
        /**
         * The kinds of step ({@code "model"}, {@code "service"}) this process runs itself, so that of
         * a step's children one is handled by the worker that sends the others; null: all of them
         * on the in-process queue, none when {@link #stepQueue} is given (the cloud's functions each
         * hold one kind).
         */
        public java.util.Set<String> stepKindsHere;
        public WebhookSender.Options webhooks = WebhookSender.Options.defaults();
        /**
         * Where finished async requests' webhooks wait for delivery; null for this process's memory
         * (retried with {@link #webhooks}' backoff). In the cloud an SQS queue of their own.
         */
        public WebhookQueue webhookQueue;
        /** Requests per account and second (a token bucket in this process); null for no limit. */
        public RateLimit rateLimit;
        /**
         * Where each answered request's metrics go: kept for {@code GET /metrics} (Prometheus text) by
         * default; {@link io.visionflow.telemetry.EmfMetrics} in Lambda.
         */
        public Metrics metrics = new PrometheusMetrics();
        /** One log line per answered request (route, status, latency, flow, credits; never bodies or tokens). */
        public boolean accessLog;
    }

    private final Config config;
    private final Engine engine;
    private final Routes routes = new Routes();
    private final WebhookSender webhooks;
    private final WebhookQueue webhookQueue;
    private final AsyncRequests requests;
    private final ModelChecks modelChecks;
    private final RateLimiter rateLimiter;
    private final CreditQuota quota;

    private Api(Config config) {
        this.config = config;
        this.rateLimiter = config.rateLimit == null ? null : new RateLimiter(config.rateLimit, config.clock);
        this.quota = new CreditQuota(config.stores, config.clock);
        this.modelChecks = config.modelChecks != null ? config.modelChecks : new OnnxChecks(config.stores.blobs());
        this.engine = Engine.create(c -> {
            c.runners = config.runners;
            c.services = config.services;
            c.serviceRules = config.serviceRules;
            c.loader = new ImageRecordLoader(new RecordImageSource(
                    config.fetcher != null ? config.fetcher : new HttpUrlFetcher(config.outbound)), config.imageLimits);
            c.maxConcurrency = config.maxConcurrency;
            c.deadline = config.deadline;
            c.limits = config.flowLimits;
            c.executor = config.executor;
            c.images = config.images;
        });
        FlowsEndpoints flows = new FlowsEndpoints(this);
        flows.register(routes);
        new ProcessEndpoints(this, flows).register(routes);
        this.webhooks = new WebhookSender(config.webhooks, config.outbound);
        StepQueue.Maker steps = config.stepQueue != null ? config.stepQueue : (handler, dead) -> new InProcessStepQueue(
                handler, dead, config.async.workers(), config.async.maxDeliveries(), config.async.redeliveryDelay(),
                config.async.queueCapacity());
        this.webhookQueue = config.webhookQueue != null ? config.webhookQueue : new InProcessWebhookQueue(
                new WebhookDeliveries(webhooks, id -> config.stores.accounts().get(id).map(Account::webhookSecret)));
        java.util.Set<String> here = config.stepKindsHere != null ? config.stepKindsHere
                : config.stepQueue == null ? AsyncSteps.WORKER_KINDS : java.util.Set.of();
        this.requests = new AsyncRequests(config.stores, engine, webhookQueue,
                config.asyncState != null ? config.asyncState : new MemoryAsyncState(), steps, here, config.clock);
        new RequestsEndpoints(this, requests).register(routes);
        new TasksEndpoints(this, flows).register(routes);
        new LabelsEndpoints(this).register(routes);
        new ModelsEndpoints(this).register(routes);
        new UsageEndpoints(this).register(routes);
        new ImagesEndpoints(this).register(routes);
        routes.add("POST", "/authorization/v2/authorize", this::authorize);
        new MetricsEndpoint(this).register(routes);
    }

    public static Api create(Consumer<Config> configure) {
        Config c = new Config();
        configure.accept(c);
        Objects.requireNonNull(c.stores, "stores");
        Objects.requireNonNull(c.runners, "runners");
        return new Api(c);
    }

    Config config() {
        return config;
    }

    Engine engine() {
        return engine;
    }

    /** The route table, for tests that must cover every endpoint. */
    Routes routes() {
        return routes;
    }

    ModelChecks modelChecks() {
        return modelChecks;
    }

    /**
     * Re-enqueues the async requests these accounts left unfinished when a process died; hosts
     * call it once at start-up, before serving. Returns how many were re-enqueued.
     */
    public int recoverRequests(java.util.Collection<String> accounts) {
        return requests.recover(accounts);
    }

    Stores stores() {
        return config.stores;
    }

    /** The async requests of this API: a step queue's consumer hands them its deliveries. */
    public AsyncRequests requests() {
        return requests;
    }

    /**
     * Measures a request its host answered without handing it over (a body over the host's own
     * limit, refused before it was read), as every answered request is: under its route, and under
     * the account of its token when that is valid, so the account sees it at {@code GET /metrics}.
     */
    public void observeRefused(ApiRequest request, ApiResponse response, Duration latency) {
        String route = "-";
        String account = null;
        try {
            route = routes.match(request.method(), request.path()).route().name();
            account = authenticate(request);
        } catch (ApiException e) {
            // an unknown route or a bad token: measured without them
        }
        MetricsEndpoint.observe(config, request, response.headers().getOrDefault("X-Request-Id", "-"), route, account,
                null, response, latency);
    }

    /** Answers one request under a new request id; never throws, and never answers a 5xx for the caller's mistakes. */
    public ApiResponse handle(ApiRequest request) {
        return handle(request, null);
    }

    /**
     * Answers one request under the host's id for it (Lambda's request id), or a new one when null or
     * not a plain id. A client's {@code X-Request-Id} is not taken: credits are charged once per request
     * id, so a client choosing its id could replay a charge; it is logged as {@code client_request_id}.
     */
    public ApiResponse handle(ApiRequest request, String hostRequestId) {
        return handle(request, hostRequestId, true);
    }

    /**
     * Answers a request as {@link #handle(ApiRequest)} does but leaves it out of the metrics: for a
     * host's warm-up, which sends made-up requests to load the code they run before real ones come.
     */
    public ApiResponse rehearse(ApiRequest request) {
        return handle(request, null, false);
    }

    private ApiResponse handle(ApiRequest request, String hostRequestId, boolean measured) {
        String requestId = RequestIds.plain(hostRequestId) ? hostRequestId : UUID.randomUUID().toString();
        Instant start = config.clock.instant();
        String route = "-";
        String account = null;
        Call call = null;
        ApiResponse response;
        try (RequestContext.Scope scope = RequestContext.open(requestId)) {
            try {
                Routes.Match match = routes.match(request.method(), request.path());
                route = match.route().name();
                long limit = match.route().maxBody() != null ? match.route().maxBody().getAsLong() : config.maxBodyBytes;
                if (request.body().length > limit) {
                    throw new ApiException(413, "the body is " + request.body().length + " bytes, over the limit of "
                            + limit + " bytes");
                }
                account = match.route().authenticated() ? authenticate(request) : null;
                if (account != null) {
                    // both before any work: a refused request has cost nothing and changed nothing
                    if (rateLimiter != null) {
                        rateLimiter.acquire(account);
                    }
                    if (match.route().billable()) {
                        quota.check(account);
                    }
                }
                call = new Call(request, requestId, account, match.params());
                response = match.route().handler().handle(call);
            } catch (ApiException e) {
                response = error(e.status(), e.getMessage(), requestId, e.problems(), e.headers());
            } catch (NotFoundException e) {
                response = error(404, e.getMessage(), requestId, List.of(), Map.of());
            } catch (ConflictException e) {
                response = error(409, e.getMessage() + "; read it again and retry", requestId, List.of(), Map.of());
            } catch (RuntimeException | StackOverflowError | LinkageError e) {
                LOG.log(System.Logger.Level.ERROR, "request " + requestId + " failed", e);
                response = error(500, "internal error (request " + requestId + ")", requestId, List.of(), Map.of());
            }
            if (measured) {
                MetricsEndpoint.observe(config, request, requestId, route, account, call, response,
                        Duration.between(start, config.clock.instant()));
            }
        }
        return response;
    }

    /**
     * Whether the API answers this path (with any method); a host that serves other things beside
     * it, such as the flow builder's static files, serves them only where this is false.
     */
    public boolean hasRoute(String path) {
        try {
            return routes.has(path);
        } catch (ApiException e) {
            // a malformed escape in a segment: the API answers that (400), not a host
            return true;
        }
    }

    /**
     * The largest body {@link #handle} accepts for this method and path, so that a host can refuse a
     * bigger one (413) before reading it.
     */
    public long maxBodyBytes(String method, String path) {
        try {
            Routes.Match match = routes.match(method, path);
            return match.route().maxBody() != null ? match.route().maxBody().getAsLong() : config.maxBodyBytes;
        } catch (ApiException e) {
            // no such route: handle() answers 404 or 405 whatever the body is
            return config.maxBodyBytes;
        }
    }

    private static ApiResponse error(int status, String detail, String requestId, List<io.visionflow.flow.Problem> problems,
                                     Map<String, String> headers) {
        ApiResponse r = ApiResponse.json(status, Envelope.error(status, detail, requestId, problems), requestId);
        if (headers.isEmpty()) {
            return r;
        }
        Map<String, String> all = new LinkedHashMap<>(r.headers());
        all.putAll(headers);
        return new ApiResponse(r.status(), all, r.body());
    }

    /** The account of {@code Authorization: Token <token>}; a 401 for a missing, malformed or unknown token. */
    private String authenticate(ApiRequest request) {
        Optional<String> header = request.header("authorization");
        if (header.isEmpty() || header.get().isBlank()) {
            throw new ApiException(401, "authentication required: send the header \"Authorization: Token <your token>\"");
        }
        String value = header.get().trim();
        if (!value.regionMatches(true, 0, "Token ", 0, 6) || value.substring(6).isBlank()) {
            throw new ApiException(401, "the Authorization header must be \"Token <your token>\"");
        }
        String token = value.substring(6).trim();
        if (token.length() > Tokens.MAX_LENGTH) {
            throw new ApiException(401, "invalid token");
        }
        return config.stores.accounts().accountOfToken(Tokens.hash(token))
                .orElseThrow(() -> new ApiException(401, "invalid token"));
    }

    private ApiResponse authorize(Call call) {
        var body = call.jsonObject();
        var service = body.get("service");
        if (service != null && !service.isNull() && !service.isTextual()) {
            throw ApiException.badRequest("service", "must be a string, found " + Call.describe(service));
        }
        return call.ok(Call.JSON.createObjectNode().put("user_id", call.account()));
    }

    @Override
    public void close() {
        requests.close();
        if (webhookQueue instanceof InProcessWebhookQueue own) {
            own.close();
        }
        webhooks.close();
        engine.close();
    }
}

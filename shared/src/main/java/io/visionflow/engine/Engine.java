package io.visionflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.FlowCatalog;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowValidator;
import io.visionflow.flow.ServiceRules;
import io.visionflow.flow.Problem;
import io.visionflow.image.ImageStore;
import io.visionflow.image.MemoryImageStore;
import io.visionflow.service.ImageOutput;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.service.ServiceContext;
import io.visionflow.task.ModelSource;
import io.visionflow.task.TaskCatalog;
import io.visionflow.task.TaskRunners;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The engine's front door for one process: validates flows and runs them in-process over records.
 * {@code Engine.create(cfg -> ...)} wires the catalogs, runners and limits.
 */
public final class Engine implements AutoCloseable {
    private final Config config;
    private final Driver driver;

    /**
     * What an engine is made of. The catalogs are those of a single-account host (the CLI); hosts
     * of many accounts pass theirs to every call instead.
     */
    public static final class Config {
        public TaskCatalog tasks = id -> Optional.empty();
        public FlowCatalog flows = id -> Optional.empty();
        public TaskRunners runners;
        public ServiceCatalog services = ServiceCatalog.empty();
        /**
         * What flows are checked against for their services; null: {@link #services}. A host whose
         * service steps run elsewhere (the API function) checks them against the built-in rules.
         */
        public ServiceRules serviceRules;
        public RecordLoader loader;
        public int maxConcurrency = 32;
        public Duration deadline = Duration.ofSeconds(60);
        public FlowValidator.Limits limits = FlowValidator.Limits.defaults();
        /** Where steps run: here, or in worker functions (the cloud's sync driver). */
        public StepExecutor executor = StepExecutor.IN_PROCESS;
        /** The image store of one run of an account: memory here; blobs (S3) when steps run elsewhere. */
        public Function<String, ImageStore> images = account -> new MemoryImageStore();
        /** The account of a single-account host's runs. */
        public String account = "local";
        /** How flows are driven; null: in this process, steps through {@link #executor}. */
        public Driver driver;
    }

    private Engine(Config config) {
        this.config = config;
        this.driver = config.driver != null ? config.driver : new InProcessDriver(config.maxConcurrency, config.executor);
    }

    public static Engine create(Consumer<Config> configure) {
        Config c = new Config();
        configure.accept(c);
        Objects.requireNonNull(c.runners, "runners");
        Objects.requireNonNull(c.loader, "loader");
        return new Engine(c);
    }

    public FlowValidator validator() {
        return validator(config.tasks, config.flows);
    }

    /** A validator over one account's tasks and flows. */
    public FlowValidator validator(TaskCatalog tasks, FlowCatalog flows) {
        return new FlowValidator(tasks, flows, config.serviceRules != null ? config.serviceRules : config.services,
                config.limits);
    }

    /** Parses and validates flow JSON; {@code selfId} is the id of the flow being saved, null for a new one. */
    public FlowValidator.Validation validate(JsonNode json, String selfId) {
        return validator().validate(json, selfId);
    }

    /** Runs a stored flow; it is checked again first, since its tasks or nested flows may have changed. */
    public RunResult process(String flowId, List<ObjectNode> records) throws FlowException {
        FlowDefinition flow = config.flows.find(flowId).orElseThrow(() ->
                new FlowException(404, "no flow with id \"" + flowId + "\"", List.of()));
        List<Problem> problems = validator().check(flow, flowId);
        if (!problems.isEmpty()) {
            throw new FlowException(409, "flow \"" + flowId + "\" is not valid: " + problems.get(0), problems);
        }
        return run(flow, records);
    }

    /** Runs a definition that is already valid. */
    public RunResult run(FlowDefinition flow, List<ObjectNode> records) {
        return run(config.account, flow, records, config.tasks, config.flows);
    }

    /**
     * Runs a valid definition against one account's tasks and a snapshot of its flows (the versions
     * read when the request started, so an edit during the run does not mix two versions).
     */
    public RunResult run(String account, FlowDefinition flow, List<ObjectNode> records, TaskCatalog tasks,
                         FlowCatalog snapshot) {
        return run(account, flow, records, tasks, snapshot, ImageOutput.INLINE, ServiceContext.NO_MODELS);
    }

    /**
     * Runs as {@link #run(String, FlowDefinition, List, TaskCatalog, FlowCatalog)}, with services
     * putting the images they return into {@code outputs} (inline or stored, per request) and
     * reaching the account's uploaded models in {@code accountModels}.
     */
    public RunResult run(String account, FlowDefinition flow, List<ObjectNode> records, TaskCatalog tasks,
                         FlowCatalog snapshot, ImageOutput outputs, ModelSource accountModels) {
        return driver.run(flow, records, context(account, tasks, snapshot, outputs, accountModels), config.loader,
                config.deadline);
    }

    /** What the steps of one run of an account use in this process: its runners, services and images. */
    public StepContext context(String account, TaskCatalog tasks, FlowCatalog snapshot, ImageOutput outputs,
                               ModelSource accountModels) {
        return new StepContext(account, tasks, snapshot, config.runners, config.images.apply(account),
                config.services, outputs, accountModels);
    }

    /** How this engine turns a record into its image. */
    public RecordLoader loader() {
        return config.loader;
    }

    /** Where this engine's steps run. */
    public StepExecutor executor() {
        return config.executor;
    }

    @Override
    public void close() {
        if (driver instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot close the driver", e);
            }
        }
    }
}

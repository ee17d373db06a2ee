package io.visionflow.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.Api;
import io.visionflow.telemetry.JsonLogFormatter;
import org.crac.Core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A function of the API jar that consumes step queues (SQS events, {@link SqsEvents}) with the
 * API function's engine: built from the same environment ({@link ApiEnvironment}) during init
 * ({@link Warmup}), at SnapStart's checkpoint, or else on the first event; and kept for warm ones.
 */
abstract class StepQueueHandler implements RequestStreamHandler {
    // made on the first event: at class initialisation it would hold up the warm-up by a tenth of a second
    private final Supplier<ObjectMapper> json = Lazy.of(ObjectMapper::new);
    private final Supplier<Api> api;
    // org.crac holds resources weakly: the handler keeps its own alive
    Priming.ApiResource priming;

    /** For Lambda: the Api of the environment, built on the first event or at the checkpoint. */
    StepQueueHandler() {
        this(Lazy.of(() -> ApiEnvironment.create(System.getenv())));
        JsonLogFormatter.install();
        priming = new Priming.ApiResource(api);
        Core.getGlobalContext().register(priming);
        Warmup.warm(System.getenv(), priming.parts());
    }

    /** For tests and other hosts: a ready Api. */
    StepQueueHandler(Api api) {
        this(() -> api);
        Objects.requireNonNull(api, "api");
    }

    private StepQueueHandler(Supplier<Api> api) {
        this.api = api;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        ObjectMapper json = this.json.get();
        json.writeValue(output, handle(json.readTree(input), api.get()));
    }

    /** The event's records to the engine; the records to deliver again. */
    abstract ObjectNode handle(JsonNode event, Api api);
}

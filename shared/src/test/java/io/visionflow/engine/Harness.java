package io.visionflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowValidator;
import io.visionflow.image.HttpUrlFetcher;
import io.visionflow.image.ImageLimits;
import io.visionflow.image.MemoryImageStore;
import io.visionflow.image.RecordImageSource;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.service.ImageService;
import io.visionflow.service.ServiceCatalog;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Validates flows against {@link PixelTasks} and runs them with the in-process driver. */
final class Harness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final PixelTasks tasks = new PixelTasks();
    final Map<String, FlowDefinition> flows = new ConcurrentHashMap<>();
    final List<ImageService> services = new ArrayList<>();
    final InProcessDriver driver = new InProcessDriver(16);
    /** What {@link #run} drives flows with: the in-process driver, unless a test gives another. */
    Driver runner = driver;
    Duration deadline = Duration.ofSeconds(30);

    FlowValidator validator() {
        return new FlowValidator(tasks, id -> Optional.ofNullable(flows.get(id)),
                new ServiceCatalog(services).names(), FlowValidator.Limits.defaults());
    }

    /** Validates and stores a flow under {@code id}; fails the test when it is not valid. */
    FlowDefinition save(String id, String json) {
        FlowValidator.Validation v = validator().validate(parse(json), id);
        assertThat(v.problems()).as("problems of flow " + id).isEmpty();
        flows.put(id, v.definition());
        return v.definition();
    }

    RunResult run(FlowDefinition flow, ObjectNode... records) {
        StepContext context = new StepContext("test", tasks, id -> Optional.ofNullable(flows.get(id)), tasks,
                new MemoryImageStore(), new ServiceCatalog(services));
        return runner.run(flow, List.of(records), context, Harness::decode, deadline);
    }

    RunResult run(String flowJson, BufferedImage... images) {
        FlowDefinition flow = save("flow-under-test", flowJson);
        ObjectNode[] records = new ObjectNode[images.length];
        for (int i = 0; i < images.length; i++) {
            records[i] = record(images[i]);
        }
        return run(flow, records);
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode record(BufferedImage image) {
        ObjectNode r = JSON.createObjectNode();
        r.put("_base64", png(image));
        return r;
    }

    static String png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The real record loader: {@code _base64} or {@code _url} (loopback test servers allowed), decoded within the default limits. */
    static final RecordLoader LOADER = new ImageRecordLoader(
            new RecordImageSource(new HttpUrlFetcher(OutboundPolicy.allowingPrivate())), ImageLimits.defaults());

    static BufferedImage decode(ObjectNode record) throws StepFailure {
        return LOADER.load(record);
    }

    @Override
    public void close() {
        driver.close();
        if (runner != driver && runner instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

import com.fasterxml.jackson.databind.*;
import com.fasterxml.jackson.databind.node.*;
import io.visionflow.engine.*;
import io.visionflow.flow.*;
import io.visionflow.image.ImageRef;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.task.*;
import io.visionflow.task.onnx.PretrainedModels;
import io.visionflow.worker.StepCodec;
import java.nio.file.*;
import java.util.Optional;
/**
 * Writes events/worker/*.json: sample payloads of the worker functions (`sam local invoke
 * ModelWorkerFunction -e events/worker/detect-faces-step.json` once the placeholders name a model
 * and an image in the bucket), written by the step codec itself; run it again when the codec changes.
 * Usage, from the repository root after `mvn -pl shared package`:
 *   java -cp "shared/target/classes:$(mvn -q -pl shared dependency:build-classpath -Dmdep.outputFile=/dev/stdout)" tools/WorkerEvents.java
 */
public class WorkerEvents {
  public static void main(String[] a) throws Exception {
    ObjectMapper m = new ObjectMapper();
    Task face = PretrainedModels.faceDetector();
    OnnxBackend b = (OnnxBackend) face.backend();
    Task task = new Task(face.id(), face.name(), face.kind(), face.labels(), new OnnxBackend("${MODEL_KEY}", b.preprocessing(), b.output()));
    ImageRef image = new ImageRef("${IMAGE_ID}", 512, 512);
    Action action = FlowParser.parseAction(m.readTree("{\"type\": \"object_selector\", \"id\": \"faces\", \"task\": \"" + task.id() + "\", \"output_field\": \"faces\", \"padding\": 8}"), "a").definition().topNode();
    StepContext ctx = new StepContext("${ACCOUNT}", id -> Optional.of(task), id -> Optional.empty(), t -> null, null, ServiceCatalog.empty());
    byte[] req = StepCodec.request(new StepInput(action, JsonNodeFactory.instance.objectNode(), image, Frame.IDENTITY, image), ctx);
    Files.writeString(Path.of("events/worker/detect-faces-step.json"), m.writerWithDefaultPrettyPrinter().writeValueAsString(m.readTree(req)) + "\n");
    byte[] insp = StepCodec.inspection("${ACCOUNT}", "${MODEL_KEY}", null);
    Files.writeString(Path.of("events/worker/inspect-model.json"), m.writerWithDefaultPrettyPrinter().writeValueAsString(m.readTree(insp)) + "\n");
    Action svc = FlowParser.parseAction(m.readTree("{\"type\": \"service\", \"id\": \"colours\", \"service\": \"dominant_colors\", \"output_field\": \"colours\", \"params\": {\"count\": 3}}"), "a").definition().topNode();
    byte[] sreq = StepCodec.request(new StepInput(svc, JsonNodeFactory.instance.objectNode(), image, Frame.IDENTITY, image), ctx);
    Files.writeString(Path.of("events/worker/dominant-colors-step.json"), m.writerWithDefaultPrettyPrinter().writeValueAsString(m.readTree(sreq)) + "\n");
  }
}

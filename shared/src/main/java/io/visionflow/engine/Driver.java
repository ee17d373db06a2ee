package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.FlowDefinition;

import java.time.Duration;
import java.util.List;

/**
 * Runs the steps of a flow over records. The in-process driver runs them on threads of this JVM;
 * the cloud drivers run the very same {@link Steps} in Lambda workers or from SQS messages.
 */
public interface Driver {
    RunResult run(FlowDefinition flow, List<ObjectNode> records, StepContext context, RecordLoader loader,
                  Duration deadline);
}

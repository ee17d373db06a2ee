package io.visionflow.async;

import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepExecutor;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bytes that are no step message at all are told apart from step messages that fail: a queue
 * consumer drops the former (no delivery could ever handle them) and has the latter delivered again.
 */
class NotAStepMessageTest {
    private final List<String> hostCalls = new ArrayList<>();
    private final MemoryAsyncState state = new MemoryAsyncState();
    private final AsyncSteps steps = new AsyncSteps(state, StepExecutor.IN_PROCESS, new RunHost() {
        @Override
        public StepContext context(String run, RunSpec spec) {
            hostCalls.add("context " + run);
            return null;
        }

        @Override
        public java.awt.image.BufferedImage load(RunSpec spec, com.fasterxml.jackson.databind.node.ObjectNode record) {
            throw new AssertionError("nothing is loaded");
        }

        @Override
        public void finished(String run, RunSpec spec, List<AsyncState.RecordEnd> ends) {
            throw new AssertionError("nothing finishes");
        }
    }, (handler, deadLetter) -> message -> {
        throw new AssertionError("nothing is sent");
    });

    @Test
    void garbageIsNotAStepMessageForHandleNorForTheDeadLetterHandler() {
        for (String garbage : List.of("", "garbage", "[1, 2]", "\"run\"", "{}", "{\"run\": \"\", \"record\": 0}",
                "{\"run\": 7, \"record\": 0}", "{\"run\": \"r\"}", "{\"run\": \"r\", \"record\": -1}",
                "{\"run\": \"r\", \"record\": \"0\"}", "{\"run\": \"r\", \"record\": 0.5}", "{\"run\": \"r\", \"re")) {
            byte[] bytes = garbage.getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> steps.handle(bytes)).as(garbage)
                    .isInstanceOf(AsyncSteps.NotAStepMessage.class).hasMessageStartingWith("not a step message: ");
            assertThatThrownBy(() -> steps.deadLetter(bytes, "moved")).as(garbage)
                    .isInstanceOf(AsyncSteps.NotAStepMessage.class);
        }
        assertThat(hostCalls).isEmpty();
    }

    @Test
    void aStepMessageOfARunThatIsNotStoredIsDroppedWithoutAnError() {
        steps.handle("{\"run\": \"gone\", \"record\": 1, \"kind\": \"control\", \"start\": {}}".getBytes(StandardCharsets.UTF_8));
        steps.deadLetter("{\"run\": \"gone\", \"record\": 1, \"key\": \"1\"}".getBytes(StandardCharsets.UTF_8), "moved");
        assertThat(hostCalls).isEmpty(); // no spec stored: no context was asked for
    }

    @Test
    void theKindOfAMessageWithoutOneIsControl() {
        assertThat(AsyncSteps.kind("{\"run\": \"r\", \"record\": 0}".getBytes(StandardCharsets.UTF_8))).isEqualTo(AsyncSteps.CONTROL);
        assertThat(AsyncSteps.kind(io.visionflow.worker.WorkerKind.MODEL)).isEqualTo("model");
        assertThat(AsyncSteps.kind(io.visionflow.worker.WorkerKind.SERVICE)).isEqualTo("service");
    }
}

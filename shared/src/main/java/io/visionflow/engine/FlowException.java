package io.visionflow.engine;

import io.visionflow.flow.Problem;

import java.util.List;

/** A flow that cannot run at all: unknown (404) or no longer valid (409), with the problems found. */
public class FlowException extends Exception {
    private final int status;
    private final List<Problem> problems;

    public FlowException(int status, String message, List<Problem> problems) {
        super(message);
        this.status = status;
        this.problems = List.copyOf(problems);
    }

    public int status() {
        return status;
    }

    public List<Problem> problems() {
        return problems;
    }
}

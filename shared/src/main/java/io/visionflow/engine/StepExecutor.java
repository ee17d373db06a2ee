package io.visionflow.engine;

/**
 * Where a driver has a step executed: in this process ({@link #IN_PROCESS}), or shipped to a
 * worker (the cloud's remote executor). Drivers decide order and concurrency; executors only
 * decide where one step runs, so the semantics stay those of {@link Steps} either way.
 */
@FunctionalInterface
public interface StepExecutor {
    StepExecutor IN_PROCESS = Steps::execute;

    StepOutcome execute(StepInput input, StepContext context) throws StepFailure;
}

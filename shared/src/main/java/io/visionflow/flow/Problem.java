package io.visionflow.flow;

/** One validation problem: the JSON path of the offending value and what is wrong with it. */
public record Problem(String path, String message) {
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}

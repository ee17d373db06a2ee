package io.visionflow.api;

import io.visionflow.flow.Problem;

import java.util.List;

/** An answer other than success: its HTTP status, a message for people, and the problems with their paths. */
public class ApiException extends RuntimeException {
    private final int status;
    private final List<Problem> problems;

    public ApiException(int status, String detail, List<Problem> problems) {
        super(detail);
        this.status = status;
        this.problems = List.copyOf(problems);
    }

    public ApiException(int status, String detail) {
        this(status, detail, List.of());
    }

    public int status() {
        return status;
    }

    public List<Problem> problems() {
        return problems;
    }

    public static ApiException badRequest(String path, String message) {
        return new ApiException(400, path.isEmpty() ? message : path + ": " + message, List.of(new Problem(path, message)));
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, what + " not found");
    }
}

package io.visionflow.api;

import io.visionflow.flow.Problem;

import java.util.List;
import java.util.Map;

/** An answer other than success: its HTTP status, a message for people, and the problems with their paths. */
public class ApiException extends RuntimeException {
    private final int status;
    private final List<Problem> problems;
    private final Map<String, String> headers;

    public ApiException(int status, String detail, List<Problem> problems) {
        this(status, detail, problems, Map.of());
    }

    /** @param headers response headers the answer carries, such as {@code Retry-After} */
    public ApiException(int status, String detail, List<Problem> problems, Map<String, String> headers) {
        super(detail);
        this.status = status;
        this.problems = List.copyOf(problems);
        this.headers = Map.copyOf(headers);
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

    public Map<String, String> headers() {
        return headers;
    }

    public static ApiException badRequest(String path, String message) {
        return new ApiException(400, path.isEmpty() ? message : path + ": " + message, List.of(new Problem(path, message)));
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, what + " not found");
    }
}

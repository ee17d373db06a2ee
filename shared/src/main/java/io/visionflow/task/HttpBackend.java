package io.visionflow.task;

import java.util.Map;

/**
 * A remote model server that speaks the classify/detect wire format of DESIGN section 1.
 *
 * @param url     endpoint called with {@code POST {"records": [{"_base64": ...}], "task"?: ...}}
 * @param headers extra headers (for example the remote server's Authorization)
 * @param task    task id on the remote server, or null
 */
public record HttpBackend(String url, Map<String, String> headers, String task) implements Backend {
    public HttpBackend {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}

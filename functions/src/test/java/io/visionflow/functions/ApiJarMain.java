package io.visionflow.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs in a fresh JVM on the shaded API jar (see {@link ApiJarTest}): the Lambda constructor, then
 * one event per argument; prints {@code status millis body} per event and
 * {@code # first-answer <ms since JVM start>}. Uses only what the jar holds.
 */
public final class ApiJarMain {
    private ApiJarMain() {
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        ApiHandler handler = new ApiHandler();
        long first = -1;
        for (String file : args) {
            APIGatewayV2HTTPEvent event = json.readValue(Files.readString(Path.of(file)), APIGatewayV2HTTPEvent.class);
            long start = System.nanoTime();
            var response = handler.handleRequest(event, null);
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (first < 0) {
                first = ProcessHandle.current().info().startInstant()
                        .map(t -> java.time.Duration.between(t, java.time.Instant.now()).toMillis()).orElse(-1L);
            }
            System.out.println(response.getStatusCode() + " " + millis + " " + response.getBody().replace('\n', ' '));
        }
        System.out.println("# first-answer " + first);
        System.out.flush();
        // the SDK and engine pools are not daemon threads; Lambda freezes them, here we just leave
        System.exit(0);
    }
}

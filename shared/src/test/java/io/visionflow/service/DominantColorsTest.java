package io.visionflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.flow.Problem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.image.BufferedImage;

import static io.visionflow.service.ServiceFixtures.params;
import static io.visionflow.service.ServiceFixtures.photo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class DominantColorsTest {
    private static BuiltinServices services;
    private static ImageService colours;

    @BeforeAll
    static void open() {
        services = BuiltinServices.open();
        colours = services.catalog().find("dominant_colors").orElseThrow();
    }

    @AfterAll
    static void close() {
        services.close();
    }

    @Test
    void colourBlocksComeBackExactlyWithTheirShares() throws Exception {
        // a tricolour with unequal bands: 50% Pantone-ish red, 30% blue, 20% white
        BufferedImage flag = ServiceFixtures.stripes(300,
                new Color(0xC8102E), 250, new Color(0x003DA5), 150, Color.WHITE, 100);
        JsonNode out = colours.run(flag, params("{}")).get("colors");
        assertThat(out).hasSize(3);
        assertThat(out.findValuesAsText("rgb_hex_color")).containsExactly("#C8102E", "#003DA5", "#FFFFFF");
        assertThat(out.get(0).get("percentage").asDouble()).isCloseTo(50, within(1.0));
        assertThat(out.get(1).get("percentage").asDouble()).isCloseTo(30, within(1.0));
        assertThat(out.get(2).get("percentage").asDouble()).isCloseTo(20, within(1.0));
        assertThat(out.get(1).get("rgb").toString()).isEqualTo("[0,61,165]");
        assertThat(out.findValuesAsText("color_name")).containsExactly("crimson", "midnightblue", "white");
    }

    @Test
    void clustersAPhotoIntoAtMostCountColoursTheSameWayEveryTime() throws Exception {
        BufferedImage cat = photo("chelsea.jpg");
        JsonNode first = colours.run(cat, params("{\"count\": 4}"));
        assertThat(first.get("colors")).hasSize(4);
        assertThat(colours.run(cat, params("{\"count\": 4}"))).isEqualTo(first);
        double sum = 0;
        for (JsonNode c : first.get("colors")) {
            sum += c.get("percentage").asDouble();
            assertThat(c.get("rgb_hex_color").asText()).matches("#[0-9A-F]{6}");
        }
        assertThat(sum).isCloseTo(100, within(0.05));
        double previous = 101;
        for (JsonNode c : first.get("colors")) {
            assertThat(c.get("percentage").asDouble()).isLessThanOrEqualTo(previous);
            previous = c.get("percentage").asDouble();
        }
    }

    @Test
    void productModeLeavesTheBackgroundOut() throws Exception {
        // the coffee photo with everything ISNet calls background painted lime: generic mode sees
        // the lime, product mode must not
        BufferedImage coffee = photo("coffee.jpg");
        float[] alpha = ((RemoveBackground) services.catalog().find("remove_background").orElseThrow()).alpha(coffee);
        BufferedImage painted = new BufferedImage(coffee.getWidth(), coffee.getHeight(), BufferedImage.TYPE_INT_RGB);
        int background = 0;
        for (int y = 0; y < coffee.getHeight(); y++) {
            for (int x = 0; x < coffee.getWidth(); x++) {
                boolean back = alpha[y * coffee.getWidth() + x] < 128;
                background += back ? 1 : 0;
                painted.setRGB(x, y, back ? 0x00FF00 : coffee.getRGB(x, y));
            }
        }
        double backgroundPercent = 100.0 * background / (coffee.getWidth() * coffee.getHeight());
        JsonNode generic = colours.run(painted, params("{\"count\": 4}")).get("colors");
        JsonNode product = colours.run(painted, params("{\"count\": 4, \"mode\": \"product\"}")).get("colors");
        assertThat(generic.findValuesAsText("color_name")).contains("lime");
        assertThat(product.findValuesAsText("color_name")).doesNotContain("lime");
        assertThat(product).hasSize(4);
        for (JsonNode c : generic) {
            if (c.get("color_name").asText().equals("lime")) {
                assertThat(c.get("percentage").asDouble()).isCloseTo(backgroundPercent, within(2.0));
            }
        }
    }

    @Test
    void badParamsAreNamed() {
        assertThat(colours.validate(params("{\"count\": 0, \"mode\": \"vivid\", \"colour\": 1}")))
                .extracting(Problem::path).containsExactlyInAnyOrder("count", "mode", "colour");
        assertThat(colours.validate(params("{\"count\": 12, \"mode\": \"product\"}"))).isEmpty();
    }

    @Test
    void labRoundTripsEveryGrey() {
        for (int v = 0; v < 256; v++) {
            int rgb = v << 16 | v << 8 | v;
            assertThat(Lab.toRgb(Lab.of(rgb))).isEqualTo(rgb);
        }
        assertThat(CssColors.count()).isEqualTo(139);
        assertThat(CssColors.nearest(Lab.of(0xFF0000))).isEqualTo("red");
    }
}

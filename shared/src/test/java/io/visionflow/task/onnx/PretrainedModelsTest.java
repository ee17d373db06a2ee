package io.visionflow.task.onnx;

import io.visionflow.task.Box;
import io.visionflow.task.Classification;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.TaskRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.font.FontRenderContext;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The pretrained tasks on real models and real photos. */
class PretrainedModelsTest {
    private static OnnxTaskRunners runners;

    @BeforeAll
    static void open() {
        runners = new OnnxTaskRunners(PretrainedModels.modelSource(), 2);
    }

    @AfterAll
    static void close() {
        runners.close();
    }

    private static TaskRunner faces() throws Exception {
        return runners.runnerFor(PretrainedModels.faceDetector());
    }

    private static TaskRunner textLines() throws Exception {
        return runners.runnerFor(PretrainedModels.textLineDetector());
    }

    private static TaskRunner orientation() throws Exception {
        return runners.runnerFor(PretrainedModels.textOrientation());
    }

    @Test
    void blazeFaceFindsTheAstronautsFace() throws Exception {
        List<DetectedObject> found = faces().detect(Photos.load("astronaut.jpg"), 0.5);

        assertThat(found).hasSize(1);
        DetectedObject face = found.get(0);
        assertThat(face.name()).isEqualTo("face");
        assertThat(face.prob()).isGreaterThan(0.75);
        // Eileen Collins' face (brow to chin, cheek to cheek) is about x 178-272, y 80-176 of 512×512.
        Box b = face.box();
        assertThat(b.x1()).isBetween(155.0, 200.0);
        assertThat(b.x2()).isBetween(250.0, 295.0);
        assertThat(b.y1()).isBetween(55.0, 110.0);
        assertThat(b.y2()).isBetween(150.0, 200.0);
    }

    @Test
    void blazeFaceBoxesComeBackInPixelsOfAWideImage() throws Exception {
        BufferedImage astronaut = Photos.load("astronaut.jpg");
        BufferedImage wide = new BufferedImage(640, 512, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = wide.createGraphics();
        g.setColor(Color.GRAY);
        g.fillRect(0, 0, 640, 512);
        g.drawImage(astronaut, 128, 0, null);
        g.dispose();

        Box direct = faces().detect(astronaut, 0.5).get(0).box();
        List<DetectedObject> found = faces().detect(wide, 0.5);

        assertThat(found).hasSize(1);
        Box shifted = found.get(0).box();
        // Letterboxing at a smaller scale changes the box a little, not where it is.
        assertThat((shifted.x1() + shifted.x2()) / 2).isCloseTo((direct.x1() + direct.x2()) / 2 + 128, within(12.0));
        assertThat((shifted.y1() + shifted.y2()) / 2).isCloseTo((direct.y1() + direct.y2()) / 2, within(12.0));
        assertThat(shifted.width()).isCloseTo(direct.width(), within(20.0));
    }

    @Test
    void blazeFaceFindsNoFaceOnTheCoffeeCup() throws Exception {
        assertThat(faces().detect(Photos.load("coffee.jpg"), 0.5)).isEmpty();
    }

    @Test
    void textDetectorFindsEveryRenderedLineInOrder() throws Exception {
        String[] lines = {"The quick brown fox jumps", "over the lazy dog 12345", "Visionflow reads lines", "short"};
        int fontSize = 32;
        BufferedImage img = Photos.text(800, 400, fontSize, 60, 90, lines);

        List<DetectedObject> found = textLines().detect(img, 0.5);

        assertThat(found).hasSize(lines.length);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, fontSize);
        FontRenderContext frc = new FontRenderContext(null, true, true);
        for (int i = 0; i < lines.length; i++) {
            DetectedObject line = found.get(i);
            Rectangle2D ink = font.createGlyphVector(frc, lines[i]).getVisualBounds();
            Box glyphs = new Box(20 + ink.getMinX(), 60 + i * 90 + ink.getMinY(), 20 + ink.getMaxX(), 60 + i * 90 + ink.getMaxY());
            assertThat(line.name()).isEqualTo("text");
            assertThat(line.prob()).isGreaterThan(0.6);
            assertThat(line.box().iou(glyphs)).as("line %d: %s vs glyphs %s", i, line.box(), glyphs).isGreaterThan(0.6);
            // The unclipped box surrounds the glyphs.
            assertThat(line.box().x1()).isLessThanOrEqualTo(glyphs.x1() + 4);
            assertThat(line.box().x2()).isGreaterThanOrEqualTo(glyphs.x2() - 4);
        }
    }

    @Test
    void textDetectorMapsBoxesBackFromADownscaledLargeImage() throws Exception {
        // 2400 px wide: the input is shrunk to 960, and boxes must come back in original pixels.
        BufferedImage img = Photos.text(2400, 600, 96, 200, 250, "A large line of text", "and another one");

        List<DetectedObject> found = textLines().detect(img, 0.5);

        assertThat(found).hasSize(2);
        assertThat(found.get(0).box().y2()).isLessThan(found.get(1).box().y1());
        assertThat(found.get(0).box().x1()).isBetween(0.0, 40.0);
        assertThat(found.get(0).box().y1()).isBetween(100.0, 140.0);
        assertThat(found.get(0).box().x2()).isBetween(800.0, 1100.0);
    }

    @Test
    void textDetectorFindsTheLinesOfTheScannedPage() throws Exception {
        BufferedImage page = Photos.load("page.png");

        List<DetectedObject> found = textLines().detect(page, 0.5);

        // Title, five lines of prose, one line of code.
        assertThat(found).hasSize(7);
        List<Double> tops = found.stream().map(o -> o.box().y1()).toList();
        assertThat(tops).isSorted();
        for (int i = 1; i <= 4; i++) {
            assertThat(found.get(i).box().width()).as("full prose line %d", i).isGreaterThan(0.9 * page.getWidth());
        }
        assertThat(found.get(0).box().width()).isBetween(0.6 * page.getWidth(), 0.85 * page.getWidth());
        assertThat(found).allSatisfy(o -> assertThat(o.box().height()).isBetween(12.0, 40.0));
    }

    @Test
    void orientationOfARenderedLine() throws Exception {
        BufferedImage line = Photos.text(600, 60, 40, 45, 0, "Hello world, upright text");

        Classification up = orientation().classify(line);
        Classification down = orientation().classify(Photos.rotate180(line));

        assertThat(up.best().name()).isEqualTo("0");
        assertThat(up.best().prob()).isGreaterThan(0.9);
        assertThat(down.best().name()).isEqualTo("180");
        assertThat(down.best().prob()).isGreaterThan(0.9);
        assertThat(up.labels()).extracting(l -> l.name()).containsExactly("0", "180");
    }

    @Test
    void orientationOfRenderedLinesInSeveralFonts() throws Exception {
        String[][] cases = {
                {Font.SERIF, "Invoice number 2024-117"},
                {Font.MONOSPACED, "total = price * qty"},
                {Font.SANS_SERIF, "Short"},
                {Font.SERIF, "A much longer line of printed text that runs on"}};
        for (String[] c : cases) {
            BufferedImage line = Photos.text(new Font(c[0], Font.PLAIN, 36), 20 + c[1].length() * 22, 56, 42, c[1]);
            assertThat(orientation().classify(line).best().name()).as(c[1]).isEqualTo("0");
            assertThat(orientation().classify(Photos.rotate180(line)).best().name()).as(c[1]).isEqualTo("180");
        }
    }

    @Test
    void orientationOfTheTitleLineCutFromTheScannedPage() throws Exception {
        // The title stands alone; the axis-aligned boxes of the page's slightly tilted prose lines
        // also catch halves of the neighbouring lines, which confuses this classifier.
        BufferedImage page = Photos.load("page.png");
        Box b = textLines().detect(page, 0.5).get(0).box();
        BufferedImage title = page.getSubimage((int) b.x1(), (int) b.y1(), (int) b.width(), (int) b.height());

        assertThat(orientation().classify(title).best().name()).isEqualTo("0");
        assertThat(orientation().classify(Photos.rotate180(title)).best().name()).isEqualTo("180");
    }

    @Test
    void oneSessionServesManyThreads() throws Exception {
        BufferedImage astronaut = Photos.load("astronaut.jpg");
        BufferedImage line = Photos.text(600, 60, 40, 45, 0, "Parallel calls share a session");
        Box expected = faces().detect(astronaut, 0.5).get(0).box();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Object>> calls = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                boolean face = i % 2 == 0;
                calls.add(pool.submit(() -> face ? faces().detect(astronaut, 0.5).get(0).box()
                        : orientation().classify(line).best().name()));
            }
            for (int i = 0; i < calls.size(); i++) {
                assertThat(calls.get(i).get()).isEqualTo(i % 2 == 0 ? expected : "0");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void everyPretrainedTaskNamesAnInstalledModel() throws Exception {
        for (var task : PretrainedModels.all()) {
            assertThat(runners.runnerFor(task)).isNotNull();
        }
        assertThat(PretrainedModels.all()).extracting(t -> t.id()).doesNotHaveDuplicates();
    }
}

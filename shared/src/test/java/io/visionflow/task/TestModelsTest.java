package io.visionflow.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins the hand-set models of src/test/resources/models (made by tools/make_test_models.py) to the
 * numbers in that folder's README.md, in raw ONNX Runtime: engine tests rely on these outputs, so a
 * regenerated model that drifts must fail here rather than as a puzzling engine failure.
 */
class TestModelsTest {
    private static final Color RED = new Color(255, 0, 0);
    private static final Color GREEN = new Color(0, 255, 0);
    private static final Color BLUE = new Color(0, 0, 255);
    private static final Color PALE_RED = new Color(200, 120, 120);
    private static final Color PALE_BLUE = new Color(120, 120, 200);

    // Closed forms of the documented outputs (see README.md).
    private static final double PURE_COLOUR = softmax3(10, 0, 0);
    private static final double DETECTOR_STRONG = sigmoid(12 * (1 - 0.35));
    private static final double DETECTOR_PALE = sigmoid(12 * (80 / 255.0 - 0.35));
    private static final double DETECTOR_NONE = sigmoid(12 * (0 - 0.35));

    private static final int OBJ = 4;
    private static final int CAR = 5;
    private static final int TRUCK = 6;

    private static OrtEnvironment env;
    private static OrtSession meanColour;
    private static OrtSession brightness;
    private static OrtSession topBottom;
    private static OrtSession grid;

    @BeforeAll
    static void load() throws Exception {
        env = OrtEnvironment.getEnvironment();
        meanColour = session("mean_colour.onnx");
        brightness = session("brightness.onnx");
        topBottom = session("top_bottom.onnx");
        grid = session("grid_detector.onnx");
        for (OrtSession s : new OrtSession[] {meanColour, brightness, topBottom}) {
            assertThat(s.getInputNames()).containsExactly("image");
            assertThat(s.getOutputNames()).containsExactly("logits");
        }
        assertThat(grid.getInputNames()).containsExactly("image");
        assertThat(grid.getOutputNames()).containsExactly("detections");
    }

    @AfterAll
    static void close() throws OrtException {
        for (OrtSession s : new OrtSession[] {meanColour, brightness, topBottom, grid}) {
            if (s != null) {
                s.close();
            }
        }
    }

    @Test
    void meanColourPureColoursPickTheirChannel() throws Exception {
        Color[] colours = {RED, GREEN, BLUE};
        for (int c = 0; c < 3; c++) {
            double[] p = softmax(run(meanColour, solid(32, colours[c]))[0]);
            assertThat(p[c]).as("class %d", c).isGreaterThan(0.9).isCloseTo(PURE_COLOUR, within(1e-5));
        }
    }

    @Test
    void meanColourLogitsAreTenTimesTheChannelMeans() throws Exception {
        BufferedImage img = solid(32, Color.WHITE);
        fill(img, new Color(255, 128, 0), 0, 0, 32, 16); // orange top half
        float[] logits = run(meanColour, img)[0];
        assertThat(logits[0]).isCloseTo(10f, within(1e-4f));
        assertThat(logits[1]).isCloseTo(10f * (128 / 255f + 1) / 2, within(1e-4f));
        assertThat(logits[2]).isCloseTo(5f, within(1e-4f));
    }

    @Test
    void meanColourWhiteIsUniform() throws Exception {
        double[] p = softmax(run(meanColour, solid(32, Color.WHITE))[0]);
        assertThat(p).containsExactly(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, within(1e-6));
    }

    @Test
    void brightnessBlackIsDarkAndWhiteIsBright() throws Exception {
        double[] black = softmax(run(brightness, solid(32, Color.BLACK))[0]);
        double[] white = softmax(run(brightness, solid(32, Color.WHITE))[0]);
        assertThat(black[0]).isGreaterThan(0.9).isCloseTo(sigmoid(10), within(1e-6));
        assertThat(white[1]).isGreaterThan(0.9).isCloseTo(sigmoid(10), within(1e-6));
    }

    @Test
    void brightnessFollowsLuminanceNotChannelSum() throws Exception {
        // Pure green has luminance 0.587 (bright), pure blue 0.114 (dark).
        assertThat(softmax(run(brightness, solid(32, GREEN))[0])[1]).isCloseTo(sigmoid(10 * (0.587 - 0.5) * 2), within(1e-4));
        assertThat(softmax(run(brightness, solid(32, BLUE))[0])[0]).isCloseTo(sigmoid(10 * (0.5 - 0.114) * 2), within(1e-4));
    }

    @Test
    void brightnessGreysAroundTheMiddle() throws Exception {
        assertThat(softmax(run(brightness, solid(32, new Color(64, 64, 64)))[0])[0]).isGreaterThan(0.9);
        assertThat(softmax(run(brightness, solid(32, new Color(192, 192, 192)))[0])[1]).isGreaterThan(0.9);
        float[] mid = run(brightness, solid(32, new Color(128, 128, 128)))[0];
        assertThat(mid[1]).isCloseTo((float) (10 * (128 / 255.0 - 0.5)), within(1e-4f));
    }

    @Test
    void topBottomBrighterTopIsIndexZero() throws Exception {
        BufferedImage img = solid(32, Color.BLACK);
        fill(img, Color.WHITE, 0, 0, 32, 16);
        double[] p = softmax(run(topBottom, img)[0]);
        assertThat(p[0]).isGreaterThan(0.9999);
    }

    @Test
    void topBottomBrighterBottomIsIndexOne() throws Exception {
        BufferedImage img = solid(32, Color.BLACK);
        fill(img, Color.WHITE, 0, 16, 32, 16);
        double[] p = softmax(run(topBottom, img)[0]);
        assertThat(p[1]).isGreaterThan(0.9999);
    }

    @Test
    void topBottomATieLeansToIndexOne() throws Exception {
        double[] p = softmax(run(topBottom, solid(32, Color.GRAY))[0]);
        assertThat(p[1]).isCloseTo(sigmoid(0.05), within(1e-5));
    }
    private float[][] detect(BufferedImage img) throws OrtException {
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(chw(img)), new long[] {1, 3, 64, 64});
             OrtSession.Result result = grid.run(Map.of("image", input))) {
            float[][][] out = (float[][][]) result.get(0).getValue();
            assertThat(out[0]).hasNumberOfRows(20);
            return out[0];
        }
    }

    @Test
    void gridBoxesAreFixedCellsInInputPixels() throws Exception {
        float[][] d = detect(solid(64, Color.WHITE));
        for (int q = 0; q < 4; q++) {
            assertThat(box(d[q])).containsExactly(16 + 32 * (q % 2), 16 + 32 * (q / 2), 32, 32);
        }
        for (int f = 0; f < 16; f++) {
            assertThat(box(d[4 + f])).containsExactly(8 + 16 * (f % 4), 8 + 16 * (f / 4), 16, 16);
        }
    }

    @Test
    void gridWhiteAndGreyBackgroundsFindNothing() throws Exception {
        for (Color bg : new Color[] {Color.WHITE, Color.GRAY, Color.BLACK, GREEN}) {
            for (float[] row : detect(solid(64, bg))) {
                assertThat(row[OBJ]).as("background %s", bg).isLessThan(0.05f).isCloseTo((float) DETECTOR_NONE, within(1e-4f));
            }
        }
    }

    @Test
    void gridRedQuadrantIsOneCoarseCar() throws Exception {
        BufferedImage img = solid(64, Color.WHITE);
        fill(img, RED, 32, 0, 32, 32); // top-right quadrant
        float[][] d = detect(img);
        assertThat(d[1][OBJ]).isGreaterThan(0.9f).isCloseTo((float) DETECTOR_STRONG, within(1e-4f));
        assertThat(d[1][CAR]).isGreaterThan(0.999f);
        assertOnlyRowFires(d, 1);
    }

    @Test
    void gridBlueFineCellIsOneFineTruck() throws Exception {
        BufferedImage img = solid(64, Color.WHITE);
        fill(img, BLUE, 48, 32, 16, 16); // fine row 2, col 3
        float[][] d = detect(img);
        int row = 4 + 2 * 4 + 3;
        assertThat(box(d[row])).containsExactly(56, 40, 16, 16);
        assertThat(d[row][OBJ]).isCloseTo((float) DETECTOR_STRONG, within(1e-4f));
        assertThat(d[row][TRUCK]).isGreaterThan(0.999f);
        assertOnlyRowFires(d, row);
    }

    @Test
    void gridPaleObjectsAreWeak() throws Exception {
        BufferedImage img = solid(64, Color.WHITE);
        fill(img, PALE_RED, 0, 32, 32, 32); // bottom-left quadrant
        fill(img, PALE_BLUE, 32, 0, 16, 16); // fine row 0, col 2, in the top-right quadrant
        float[][] d = detect(img);
        assertThat(d[2][OBJ]).isBetween(0.3f, 0.6f).isCloseTo((float) DETECTOR_PALE, within(1e-4f));
        assertThat(d[2][CAR]).isCloseTo((float) sigmoid(20 * 80 / 255.0), within(1e-4f));
        assertThat(d[4 + 2][OBJ]).isCloseTo((float) DETECTOR_PALE, within(1e-4f));
        assertThat(d[4 + 2][TRUCK]).isCloseTo((float) sigmoid(20 * 80 / 255.0), within(1e-4f));
        for (int i = 0; i < 20; i++) {
            if (i != 2 && i != 6) {
                assertThat(d[i][OBJ]).as("row %d", i).isLessThan(0.05f);
            }
        }
    }

    @Test
    void gridSeveralObjectsOfBothSizes() throws Exception {
        BufferedImage img = solid(64, Color.WHITE);
        fill(img, BLUE, 0, 0, 32, 32); // coarse quadrant 0
        fill(img, RED, 32, 48, 16, 16); // fine row 3, col 2
        fill(img, RED, 48, 0, 16, 16); // fine row 0, col 3
        float[][] d = detect(img);
        assertThat(d[0][TRUCK]).isGreaterThan(0.999f);
        assertThat(d[4 + 14][CAR]).isGreaterThan(0.999f);
        assertThat(d[4 + 3][CAR]).isGreaterThan(0.999f);
        for (int i = 0; i < 20; i++) {
            boolean expected = i == 0 || i == 18 || i == 7;
            assertThat(d[i][OBJ] > 0.9f).as("row %d fires", i).isEqualTo(expected);
            assertThat(d[i][OBJ] < 0.05f).as("row %d silent", i).isEqualTo(!expected);
        }
    }

    @Test
    void gridAHalfFilledQuadrantGivesTwoFineBoxesNotACoarseOne() throws Exception {
        BufferedImage img = solid(64, Color.WHITE);
        fill(img, RED, 0, 32, 32, 16); // fine row 2, cols 0 and 1
        float[][] d = detect(img);
        assertThat(d[2][OBJ]).isLessThan(0.05f);
        assertThat(d[4 + 8][OBJ]).isGreaterThan(0.9f);
        assertThat(d[4 + 9][OBJ]).isGreaterThan(0.9f);
    }

    private void assertOnlyRowFires(float[][] d, int row) {
        for (int i = 0; i < 20; i++) {
            if (i != row) {
                assertThat(d[i][OBJ]).as("row %d", i).isLessThan(0.05f);
            }
        }
    }

    private float[] box(float[] row) {
        return new float[] {row[0], row[1], row[2], row[3]};
    }
    static OrtSession session(String name) throws IOException, OrtException {
        try (InputStream in = TestModelsTest.class.getResourceAsStream("/models/" + name)) {
            assertThat(in).as("test model %s", name).isNotNull();
            return env.createSession(in.readAllBytes(), new OrtSession.SessionOptions());
        }
    }

    /** Runs a single-output classifier on a 32x32 image. */
    static float[][] run(OrtSession session, BufferedImage img) throws OrtException {
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(chw(img)),
                new long[] {1, 3, img.getHeight(), img.getWidth()});
             OrtSession.Result result = session.run(Map.of("image", input))) {
            return (float[][]) result.get(0).getValue();
        }
    }

    /** The documented preprocessing: RGB, NCHW, scale 1/255, no mean/std. */
    static float[] chw(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] out = new float[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int i = y * w + x;
                out[i] = ((rgb >> 16) & 0xff) / 255f;
                out[w * h + i] = ((rgb >> 8) & 0xff) / 255f;
                out[2 * w * h + i] = (rgb & 0xff) / 255f;
            }
        }
        return out;
    }

    static BufferedImage solid(int size, Color colour) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        fill(img, colour, 0, 0, size, size);
        return img;
    }

    static void fill(BufferedImage img, Color colour, int x, int y, int w, int h) {
        Graphics2D g = img.createGraphics();
        g.setColor(colour);
        g.fillRect(x, y, w, h);
        g.dispose();
    }

    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    static double softmax3(double a, double b, double c) {
        return Math.exp(a) / (Math.exp(a) + Math.exp(b) + Math.exp(c));
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}

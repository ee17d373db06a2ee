package io.visionflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.store.BlobModelSource;
import io.visionflow.store.memory.MemoryBlobStore;
import io.visionflow.task.TaskException;
import io.visionflow.task.onnx.DirectoryModelSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static io.visionflow.service.ServiceFixtures.params;
import static io.visionflow.service.ServiceFixtures.photo;
import static io.visionflow.service.ServiceFixtures.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UpscaleTest {
    private static BuiltinServices services;
    private static ImageService upscale;

    @BeforeAll
    static void open() throws Exception {
        // the hand-set SR model of test resources models/ (tools/make_test_models.py)
        Path testModels = Path.of(UpscaleTest.class.getResource("/models").toURI());
        services = BuiltinServices.open(new DirectoryModelSource(testModels), 1, 4_000_000);
        upscale = services.catalog().find("upscale").orElseThrow();
    }

    @AfterAll
    static void close() {
        services.close();
    }

    @Test
    void doublesTheSizeAndBeatsBicubicOnADownThenUpRoundTrip() throws Exception {
        for (String name : new String[] {"chelsea.jpg", "astronaut.jpg", "coffee.jpg"}) {
            BufferedImage original = even(photo(name));
            BufferedImage half = halve(original);
            JsonNode out = upscale.run(half, params("{\"factor\": 2}"));
            BufferedImage ours = png(out.get("image"));
            assertThat(ours.getWidth()).isEqualTo(original.getWidth());
            assertThat(ours.getHeight()).isEqualTo(original.getHeight());
            assertThat(out.get("method").asText()).isEqualTo("lanczos3");
            double lanczos = psnr(original, ours);
            double bicubic = psnr(original, ServiceFixtures.bicubic(half, 2));
            System.out.printf("%s: PSNR lanczos3+sharpen %.2f dB, Java2D bicubic %.2f dB%n", name, lanczos, bicubic);
            assertThat(lanczos).as(name).isGreaterThan(bicubic);
        }
    }

    @Test
    void factorFourAndAlphaAreKept() throws Exception {
        BufferedImage argb = new BufferedImage(30, 20, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 30; x++) {
                argb.setRGB(x, y, (x < 15 ? 0x00 : 0xff) << 24 | 0x336699);
            }
        }
        BufferedImage out = png(upscale.run(argb, params("{\"factor\": 4, \"sharpen\": 0}")).get("image"));
        assertThat(out.getWidth()).isEqualTo(120);
        assertThat(out.getHeight()).isEqualTo(80);
        assertThat(out.getRGB(5, 5) >>> 24).isZero();
        assertThat(out.getRGB(110, 40)).isEqualTo(0xff336699);
    }

    @Test
    void anOutputOverTheLimitIsRefusedBeforeAnyWork() {
        BufferedImage big = new BufferedImage(1100, 1000, BufferedImage.TYPE_INT_RGB); // x2 = 4.4 MP > 4 MP
        assertThatThrownBy(() -> upscale.run(big, params("{\"factor\": 2}")))
                .isInstanceOfSatisfying(TaskException.class, e -> assertThat(e.status()).isEqualTo(413))
                .hasMessageContaining("4000000");
    }

    @Test
    void theOnnxMethodRunsASuperResolutionModelInOverlappingTiles() throws Exception {
        BufferedImage image = noise(101, 67, 7);
        // tiles of 32 px: 4 x 3 tiles, none of them square, so any misplaced tile would show
        JsonNode out = upscale.run(image, params("{\"method\": \"onnx\", \"model\": \"pixel_shuffle_x2.onnx\", \"tile\": 32}"));
        BufferedImage up = png(out.get("image"));
        assertThat(up.getWidth()).isEqualTo(202);
        assertThat(up.getHeight()).isEqualTo(134);
        int worst = 0;
        for (int y = 0; y < up.getHeight(); y++) {
            for (int x = 0; x < up.getWidth(); x++) {
                for (int shift = 0; shift <= 16; shift += 8) {
                    int got = (up.getRGB(x, y) >> shift) & 0xff;
                    worst = Math.max(worst, Math.abs(got - expected(image, x, y, shift)));
                }
            }
        }
        assertThat(worst).isLessThanOrEqualTo(1);
        // the same model twice for 4x, and one big tile gives the same as many small ones
        BufferedImage four = png(upscale.run(image, params("{\"factor\": 4, \"method\": \"onnx\", \"model\": \"pixel_shuffle_x2.onnx\"}")).get("image"));
        assertThat(four.getWidth()).isEqualTo(404);
        BufferedImage oneTile = png(upscale.run(image, params("{\"method\": \"onnx\", \"model\": \"pixel_shuffle_x2.onnx\", \"tile\": 512}")).get("image"));
        assertThat(psnr(oneTile, up)).isInfinite();
    }

    @Test
    void anUploadedModelOfTheAccountIsNamedByItsIdAndNoOtherAccountReachesIt() throws Exception {
        MemoryBlobStore blobs = new MemoryBlobStore();
        byte[] model = Files.readAllBytes(Path.of(UpscaleTest.class.getResource("/models/pixel_shuffle_x2.onnx").toURI()));
        String id = blobs.put("acct-a", BlobModelSource.MODEL_KIND, model);
        id = id.substring(id.lastIndexOf('/') + 1);
        BufferedImage image = noise(40, 30, 3);
        ObjectNode p = params("{\"method\": \"onnx\", \"model\": \"" + id + "\", \"tile\": 32}");
        assertThat(upscale.validate(p)).isEmpty();
        ServiceContext a = new ServiceContext("acct-a", ImageOutput.INLINE, new BlobModelSource(blobs, "acct-a"));
        BufferedImage up = png(upscale.run(image, p, a).get("image"));
        BufferedImage fromDir = png(upscale.run(image, params("{\"method\": \"onnx\", \"model\": \"pixel_shuffle_x2.onnx\", \"tile\": 32}")).get("image"));
        assertThat(psnr(up, fromDir)).isInfinite();
        // the same id under another account (even once A's session is open) is not a model of B
        ServiceContext b = new ServiceContext("acct-b", ImageOutput.INLINE, new BlobModelSource(blobs, "acct-b"));
        assertThatThrownBy(() -> upscale.run(image, p, b)).isInstanceOfSatisfying(TaskException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains("not a model this account uploaded");
        });
        assertThatThrownBy(() -> upscale.run(image, p)).isInstanceOfSatisfying(TaskException.class,
                e -> assertThat(e.status()).isEqualTo(400));
    }

    /** The closed form of pixel_shuffle_x2.onnx (test resources models/README.md), zero outside the image. */
    private static int expected(BufferedImage in, int x, int y, int shift) {
        int sx = x / 2;
        int sy = y / 2;
        double p = value(in, sx, sy, shift);
        double v = switch ((y % 2) * 2 + x % 2) {
            case 0 -> p;
            case 1 -> (p + value(in, sx + 1, sy, shift)) / 2;
            case 2 -> (p + value(in, sx, sy + 1, shift)) / 2;
            default -> (p + value(in, sx + 1, sy, shift) + value(in, sx, sy + 1, shift) + value(in, sx + 1, sy + 1, shift)) / 4;
        };
        return (int) Math.round(v);
    }

    private static double value(BufferedImage in, int x, int y, int shift) {
        return x >= in.getWidth() || y >= in.getHeight() ? 0 : (in.getRGB(x, y) >> shift) & 0xff;
    }

    @Test
    void badParamsAreNamed() {
        assertThat(upscale.validate(params("{\"factor\": 3}"))).extracting(Problem::path).containsExactly("factor");
        assertThat(upscale.validate(params("{\"method\": \"onnx\"}"))).extracting(Problem::path).containsExactly("model");
        assertThat(upscale.validate(params("{\"model\": \"x.onnx\"}"))).extracting(Problem::path).containsExactly("model");
        assertThat(upscale.validate(params("{\"sharpen\": 5, \"tile\": 8, \"method\": \"onnx\", \"model\": \"m\"}")))
                .extracting(Problem::path).containsExactlyInAnyOrder("sharpen", "sharpen", "tile");
        assertThat(upscale.validate(params("{\"factor\": 4, \"sharpen\": 1}"))).isEmpty();
    }

    static BufferedImage even(BufferedImage image) {
        return image.getSubimage(0, 0, image.getWidth() & ~1, image.getHeight() & ~1);
    }

    /** Halves by averaging 2x2 blocks: what a camera binning pixels would give. */
    static BufferedImage halve(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getWidth() / 2, image.getHeight() / 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                int rgb = 0;
                for (int shift = 0; shift <= 16; shift += 8) {
                    int sum = 0;
                    for (int dy = 0; dy < 2; dy++) {
                        for (int dx = 0; dx < 2; dx++) {
                            sum += (image.getRGB(2 * x + dx, 2 * y + dy) >> shift) & 0xff;
                        }
                    }
                    rgb |= ((sum + 2) / 4) << shift;
                }
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }


    static double psnr(BufferedImage a, BufferedImage b) {
        double se = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                for (int shift = 0; shift <= 16; shift += 8) {
                    double d = ((a.getRGB(x, y) >> shift) & 0xff) - ((b.getRGB(x, y) >> shift) & 0xff);
                    se += d * d;
                }
            }
        }
        double mse = se / (3.0 * a.getWidth() * a.getHeight());
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255 * 255 / mse);
    }

    private static BufferedImage noise(int w, int h, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return img;
    }
}

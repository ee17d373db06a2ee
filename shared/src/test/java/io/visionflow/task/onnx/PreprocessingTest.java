package io.visionflow.task.onnx;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PreprocessingTest {
    private static final Color RED = new Color(200, 10, 20);

    private static BufferedImage solid(int w, int h, Color c) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    /** Raw pixel values: scale 1, no mean/std. */
    private static Preprocessing raw(int w, int h) {
        return Preprocessing.fixed(w, h).withNormalization(1.0, List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0));
    }

    @Test
    void nchwStoresChannelPlanesAndNhwcInterleavesThem() {
        BufferedImage img = solid(4, 2, RED);

        Preprocessing.Input nchw = raw(4, 2).prepare(img, 4, 2);
        Preprocessing.Input nhwc = raw(4, 2).withLayout(Preprocessing.Layout.NHWC).prepare(img, 4, 2);

        assertThat(nchw.shape()).containsExactly(1, 3, 2, 4);
        assertThat(nchw.data()[0]).isEqualTo(200);
        assertThat(nchw.data()[8]).isEqualTo(10);
        assertThat(nchw.data()[16]).isEqualTo(20);
        assertThat(nhwc.shape()).containsExactly(1, 2, 4, 3);
        assertThat(nhwc.data()).startsWith(200, 10, 20, 200, 10, 20);
    }

    @Test
    void bgrSwapsTheFirstAndLastChannel() {
        Preprocessing.Input in = raw(2, 2).withChannels(Preprocessing.Channels.BGR).prepare(solid(2, 2, RED), 2, 2);

        assertThat(in.data()[0]).isEqualTo(20);
        assertThat(in.data()[4]).isEqualTo(10);
        assertThat(in.data()[8]).isEqualTo(200);
    }

    @Test
    void scaleThenMeanAndStdPerChannel() {
        Preprocessing p = Preprocessing.fixed(1, 1)
                .withNormalization(1.0 / 255, List.of(0.5, 0.0, 0.1), List.of(0.5, 2.0, 0.1));

        float[] v = p.prepare(solid(1, 1, new Color(255, 102, 51)), 1, 1).data();

        assertThat(v[0]).isCloseTo(1.0f, within(1e-5f));
        assertThat(v[1]).isCloseTo(0.2f, within(1e-5f));
        assertThat(v[2]).isCloseTo(1.0f, within(1e-5f));
    }

    @Test
    void letterboxCentresTheImageAndPads() {
        Preprocessing p = raw(100, 100).withResize(Preprocessing.Resize.LETTERBOX).withPadValue(114);

        Preprocessing.Input in = p.prepare(solid(200, 100, RED), 100, 100);

        Preprocessing.Geometry g = in.geometry();
        assertThat(g.sx()).isEqualTo(0.5);
        assertThat(g.sy()).isEqualTo(0.5);
        assertThat(g.dy()).isEqualTo(25);
        assertThat(in.data()[10 * 100 + 50]).as("pad above").isEqualTo(114);
        assertThat(in.data()[50 * 100 + 50]).as("image").isEqualTo(200);
        assertThat(in.data()[90 * 100 + 50]).as("pad below").isEqualTo(114);
        // An object at input (30, 40)-(70, 60) was at (60, 30)-(140, 70) in the image.
        assertThat(g.toImageX(30)).isEqualTo(60);
        assertThat(g.toImageY(40)).isEqualTo(30);
        assertThat(g.toImageX(70)).isEqualTo(140);
        assertThat(g.toImageY(60)).isEqualTo(70);
    }

    @Test
    void letterboxTopLeftFillsTheHeightAndPadsOnTheRight() {
        Preprocessing p = raw(192, 48).withResize(Preprocessing.Resize.LETTERBOX_TOP_LEFT).withPadValue(127.5);

        Preprocessing.Input in = p.prepare(solid(100, 50, RED), 192, 48);

        Preprocessing.Geometry g = in.geometry();
        assertThat(g.sy()).isEqualTo(48 / 50.0);
        assertThat(g.sx()).isEqualTo(0.96);
        assertThat(g.dx()).isZero();
        assertThat(in.data()[10 * 192 + 50]).isEqualTo(200);
        assertThat(in.data()[10 * 192 + 150]).isEqualTo(127.5f);
        // Too wide for the input: squeezed to the input width, as PaddleOCR does.
        Preprocessing.Geometry wide = p.geometry(1000, 50, 192, 48);
        assertThat(wide.sx()).isEqualTo(0.192);
        assertThat(wide.sy()).isEqualTo(0.96);
    }

    @Test
    void centerCropCutsTheLongerSide() {
        Preprocessing p = raw(100, 100).withResize(Preprocessing.Resize.CENTER_CROP);

        Preprocessing.Geometry g = p.prepare(solid(300, 200, RED), 100, 100).geometry();

        assertThat(g.sx()).isEqualTo(0.5);
        assertThat(g.dx()).isEqualTo(-25);
        assertThat(g.toImageX(0)).isEqualTo(50);
        assertThat(g.toImageX(100)).isEqualTo(250);
    }

    @Test
    void stretchScalesEachAxis() {
        Preprocessing.Geometry g = raw(64, 32).geometry(640, 480, 64, 32);

        assertThat(g.toImageX(32)).isEqualTo(320);
        assertThat(g.toImageY(16)).isEqualTo(240);
    }

    @Test
    void dynamicSizeCapsTheLongerSideAndRoundsToTheMultiple() {
        Preprocessing p = new Preprocessing(null, null, 960, 32, null, null, null, null, null, null, null, null);

        assertThat(p.inputSize(2400, 600, -1, -1)).containsExactly(960, 256);
        assertThat(p.inputSize(384, 191, -1, -1)).containsExactly(384, 192);
        assertThat(p.inputSize(10, 10, -1, -1)).as("never below one multiple").containsExactly(32, 32);
    }

    @Test
    void withoutASizeTheModelsFixedInputIsUsed() {
        Preprocessing p = new Preprocessing(null, null, null, null, null, null, null, null, null, null, null, null);

        assertThat(p.inputSize(500, 300, 224, 224)).containsExactly(224, 224);
        assertThatThrownBy(() -> p.inputSize(500, 300, -1, -1)).hasMessageContaining("dynamic");
    }

    @Test
    void inconsistentSpecsAreRejected() {
        assertThatThrownBy(() -> new Preprocessing(224, null, null, null, null, null, null, null, null, null, null, null))
                .hasMessageContaining("both width and height");
        assertThatThrownBy(() -> new Preprocessing(224, 224, 960, null, null, null, null, null, null, null, null, null))
                .hasMessageContaining("max_side");
        assertThatThrownBy(() -> new Preprocessing(224, 224, null, null, null, null, null, List.of(0.5), null, null, null, null))
                .hasMessageContaining("3 values");
        assertThatThrownBy(() -> new Preprocessing(224, 224, null, null, null, null, null, null, List.of(1.0, 0.0, 1.0), null, null, null))
                .hasMessageContaining("std");
    }

    @Property
    void everyPlacementMapsInputPixelsBackOntoTheImage(@ForAll @IntRange(min = 1, max = 3000) int w,
                                                        @ForAll @IntRange(min = 1, max = 3000) int h,
                                                        @ForAll Preprocessing.Resize resize) {
        Preprocessing.Geometry g = raw(320, 240).withResize(resize).geometry(w, h, 320, 240);

        // The image's corners land inside (or, for a crop, around) the input and come back exactly.
        double u = 0 * g.sx() + g.dx();
        double v = h * g.sy() + g.dy();
        assertThat(g.toImageX(u)).isCloseTo(0, within(1e-6));
        assertThat(g.toImageY(v)).isCloseTo(h, within(1e-6));
        if (resize != Preprocessing.Resize.CENTER_CROP) {
            assertThat(g.dx()).isBetween(0.0, 320.0);
            assertThat(w * g.sx() + g.dx()).isLessThanOrEqualTo(320.0 + 1e-9);
            assertThat(h * g.sy() + g.dy()).isLessThanOrEqualTo(240.0 + 1e-9);
        }
        if (resize == Preprocessing.Resize.LETTERBOX || resize == Preprocessing.Resize.CENTER_CROP) {
            // Whole-pixel drawn sizes may bend the ratio by at most a pixel.
            assertThat(Math.abs(w * g.sx() - Math.round(w * g.sx()))).isLessThan(1e-6);
        }
    }
}

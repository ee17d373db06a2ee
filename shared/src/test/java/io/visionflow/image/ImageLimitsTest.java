package io.visionflow.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Base64;

import static io.visionflow.image.TestImages.encode;
import static io.visionflow.image.TestImages.quadrants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ImageLimitsTest {

    @Test
    void defaults() {
        ImageLimits limits = ImageLimits.defaults();
        assertThat(limits.maxBytes()).isEqualTo(20L * 1024 * 1024);
        assertThat(limits.maxPixels()).isEqualTo(50_000_000L);
        assertThat(limits.maxSide()).isEqualTo(30_000);
    }

    @Test
    void messagesNameTheLimit() {
        ImageException pixels = catchThrowableOfType(ImageException.class,
                () -> ImageLimits.defaults().checkDimensions(30_000, 30_000));
        assertThat(pixels.status()).isEqualTo(413);
        assertThat(pixels.getMessage()).isEqualTo("image is 30000×30000 = 900 MP, over the limit of 50 MP");
        ImageException odd = catchThrowableOfType(ImageException.class,
                () -> ImageLimits.defaults().withMaxPixels(1_500_000).checkDimensions(2000, 1000));
        assertThat(odd.getMessage()).isEqualTo("image is 2000×1000 = 2 MP, over the limit of 1.5 MP");
    }

    @Test
    void acceptsImagesAtTheLimit() throws ImageException {
        ImageLimits limits = new ImageLimits(100, 10_000, 100);
        limits.checkDimensions(100, 100);
        limits.checkBytes(100);
    }

    @Test
    void refusesNonPositiveLimits() {
        assertThatThrownBy(() -> new ImageLimits(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageLimits.defaults().withMaxSide(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exceptionStatusMustBeAnError() {
        assertThatThrownBy(() -> new ImageException(200, "ok")).isInstanceOf(IllegalArgumentException.class);
        assertThat(ImageException.badRequest("x").status()).isEqualTo(400);
        assertThat(ImageException.tooLarge("x").status()).isEqualTo(413);
    }

    @Test
    void formatComesFromContentNotFromTheDeclaredType() throws ImageException {
        byte[] jpeg = encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        String lying = "data:image/png;base64," + Base64.getEncoder().encodeToString(jpeg);
        byte[] bytes = RecordImageSource.decodeBase64(lying, 1 << 20);
        assertThat(ImageDecoder.probe(bytes).format()).isEqualTo(ImageFormat.JPEG);
        TestImages.assertQuadrants(ImageDecoder.decode(bytes), 24);
    }

    @Test
    void probesEveryFormat() throws ImageException {
        assertThat(ImageDecoder.probe(encode(quadrants(BufferedImage.TYPE_BYTE_INDEXED), "gif")))
                .isEqualTo(new ImageInfo(ImageFormat.GIF, 64, 32, 1));
        assertThat(ImageDecoder.probe(encode(quadrants(BufferedImage.TYPE_3BYTE_BGR), "bmp")))
                .isEqualTo(new ImageInfo(ImageFormat.BMP, 64, 32, 1));
        assertThat(ImageDecoder.probe(TestImages.resource("quadrants-lossy.webp")))
                .isEqualTo(new ImageInfo(ImageFormat.WEBP, 64, 32, 1));
        assertThat(ImageDecoder.probe(TestImages.resource("orientation-8.jpg")).swapsAxes()).isTrue();
    }
}

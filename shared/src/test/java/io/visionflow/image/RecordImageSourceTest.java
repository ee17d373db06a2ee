package io.visionflow.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static io.visionflow.image.TestImages.assertQuadrants;
import static io.visionflow.image.TestImages.encode;
import static io.visionflow.image.TestImages.quadrants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordImageSourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG = encode(quadrants(BufferedImage.TYPE_INT_RGB), "png");

    private final List<String> fetched = new ArrayList<>();
    private final RecordImageSource source = new RecordImageSource((url, max) -> {
        fetched.add(url);
        return PNG;
    });

    private static ObjectNode record(String field, String value) {
        ObjectNode record = JSON.createObjectNode();
        record.put(field, value);
        return record;
    }

    @Test
    void decodesPlainBase64() throws Exception {
        String b64 = Base64.getEncoder().encodeToString(PNG);
        assertThat(source.bytes(record("_base64", b64), ImageLimits.defaults())).isEqualTo(PNG);
        assertQuadrants(source.image(record("_base64", b64), ImageLimits.defaults()), 0);
        assertThat(fetched).isEmpty();
    }

    @Test
    void decodesDataUri() throws Exception {
        String uri = "data:image/png;base64," + Base64.getEncoder().encodeToString(PNG);
        assertThat(source.bytes(record("_base64", uri), ImageLimits.defaults())).isEqualTo(PNG);
        String odd = "DATA:Image/JPEG;BASE64," + Base64.getEncoder().encodeToString(PNG);
        assertThat(source.bytes(record("_base64", odd), ImageLimits.defaults())).isEqualTo(PNG);
    }

    @Test
    void toleratesLineBreaksUrlSafeAlphabetAndMissingPadding() throws Exception {
        String mime = Base64.getMimeEncoder().encodeToString(PNG); // CRLF every 76 characters
        assertThat(mime).contains("\r\n");
        assertThat(source.bytes(record("_base64", "  " + mime + "\n"), ImageLimits.defaults())).isEqualTo(PNG);
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(PNG);
        assertThat(source.bytes(record("_base64", urlSafe), ImageLimits.defaults())).isEqualTo(PNG);
        byte[] odd = {(byte) 0xFB, (byte) 0xFF, (byte) 0xBF, 1}; // encodes to URL-only '-' and '_'
        assertThat(RecordImageSource.decodeBase64(Base64.getUrlEncoder().encodeToString(odd), 100)).isEqualTo(odd);
    }

    @Test
    void invalidBase64Is400NamingTheField() {
        assertStatus(record("_base64", "iVBORw0K*GgoAAAA"), 400, "_base64 is not valid base64: unexpected character '*' at position 8");
        assertStatus(record("_base64", "abcde"), 400, "_base64 is not valid base64");
        assertStatus(record("_base64", "ab=cd"), 400, "_base64 is not valid base64");
        assertStatus(record("_base64", "data:image/png,rawbytes"), 400, "_base64 data URI must be base64-encoded");
        assertStatus(record("_base64", "data:image/png;base64"), 400, "_base64 is a data URI without a ','");
        assertStatus(record("_base64", "data:image/png;base64,"), 400, "_base64 is empty");
        ObjectNode number = JSON.createObjectNode().put("_base64", 42);
        assertStatus(number, 400, "_base64 must be a string");
    }

    @Test
    void tooLargeBase64Is413BeforeDecoding() {
        String b64 = Base64.getEncoder().encodeToString(new byte[4000]);
        assertThatThrownBy(() -> RecordImageSource.decodeBase64(b64, 1000))
                .isInstanceOfSatisfying(ImageException.class, e -> {
                    assertThat(e.status()).isEqualTo(413);
                    assertThat(e.getMessage()).isEqualTo("image is about 4000 bytes, over the limit of 1000 bytes");
                });
    }

    @Test
    void fetchesUrlWithTheByteLimit() throws Exception {
        List<Long> limits = new ArrayList<>();
        RecordImageSource withLimit = new RecordImageSource((url, max) -> {
            limits.add(max);
            return PNG;
        });
        assertThat(withLimit.bytes(record("_url", " https://example.com/a.png "), ImageLimits.defaults().withMaxBytes(1234)))
                .isEqualTo(PNG);
        assertThat(limits).containsExactly(1234L);
    }

    @Test
    void refusesFetchedBodyOverLimitEvenFromALaxFetcher() {
        ImageLimits limits = ImageLimits.defaults().withMaxBytes(10);
        assertThatThrownBy(() -> source.bytes(record("_url", "https://example.com/a.png"), limits))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.status()).isEqualTo(413));
    }

    @Test
    void prefersBase64OverUrl() throws Exception {
        ObjectNode both = record("_url", "https://example.com/other.png");
        both.put("_base64", Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}));
        assertThat(source.bytes(both, ImageLimits.defaults())).containsExactly(1, 2, 3);
        assertThat(fetched).isEmpty();
    }

    @Test
    void usesUrlWhenBase64IsEmpty() throws Exception {
        ObjectNode both = record("_url", "https://example.com/a.png");
        both.put("_base64", "");
        assertThat(source.bytes(both, ImageLimits.defaults())).isEqualTo(PNG);
        assertThat(fetched).containsExactly("https://example.com/a.png");
    }

    @Test
    void recordWithoutImageIs400() {
        String message = "record has no image: give _url or _base64";
        assertStatus(JSON.createObjectNode().put("_id", "x").put("_file", "a.png"), 400, message);
        ObjectNode empty = record("_url", "");
        empty.put("_base64", "  ");
        assertStatus(empty, 400, message);
        ObjectNode nulls = JSON.createObjectNode().putNull("_url").putNull("_base64");
        assertStatus(nulls, 400, message);
        assertStatus(JSON.createObjectNode().put("_url", 5), 400, "_url must be a string");
    }

    private void assertStatus(ObjectNode record, int status, String message) {
        assertThatThrownBy(() -> source.bytes(record, ImageLimits.defaults()))
                .isInstanceOfSatisfying(ImageException.class, e -> {
                    assertThat(e.status()).isEqualTo(status);
                    assertThat(e.getMessage()).contains(message);
                });
    }
}

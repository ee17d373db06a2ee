package io.visionflow.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MultipartTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void boundaryComesFromTheContentTypeQuotedOrNot() {
        assertThat(Multipart.boundary("multipart/form-data; boundary=abc")).contains("abc");
        assertThat(Multipart.boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\"")).contains("a b:c");
        assertThat(Multipart.boundary("application/octet-stream")).isEmpty();
        assertThatThrownBy(() -> Multipart.boundary("multipart/form-data")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> Multipart.boundary("multipart/form-data; boundary=" + "x".repeat(71))).isInstanceOf(ApiException.class);
    }

    @Test
    void partsKeepBinaryContentThatLooksLikeADelimiter() {
        // "--XyZ" inside the content is not a delimiter: a delimiter starts a line
        byte[] content = b("\u0000\u00ff--XyZ\r\nnot the end\r\n-XyZ\u0001");
        byte[] body = ApiHarness.multipart("XyZ", "file", "a;b\".onnx", content);
        List<Multipart.Part> parts = Multipart.parse(body, "XyZ");
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).name()).isEqualTo("note");
        assertThat(new String(parts.get(0).body(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(parts.get(1).name()).isEqualTo("file");
        assertThat(parts.get(1).contentType()).isEqualTo("application/octet-stream");
        assertThat(parts.get(1).body()).isEqualTo(content);
    }

    @Test
    void noPreambleTransportPaddingAndAnEmptyPart() {
        byte[] body = b("--q  \r\nContent-Disposition: form-data; name=file; filename=m.onnx\r\n\r\n\r\n--q--");
        List<Multipart.Part> parts = Multipart.parse(body, "q");
        assertThat(parts).hasSize(1);
        assertThat(parts.get(0).filename()).isEqualTo("m.onnx");
        assertThat(parts.get(0).body()).isEmpty();
    }

    @Test
    void brokenBodiesAreBadRequests() {
        for (String body : List.of("", "no delimiter at all", "--q\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc",
                "--q\r\nContent-Type: text/plain\r\n\r\nabc\r\n--q--", "--qx\r\n\r\n", "--q\r\nContent-Disposition: form-data; name=\"f\"")) {
            assertThatThrownBy(() -> Multipart.parse(b(body), "q")).as(body).isInstanceOfSatisfying(ApiException.class,
                    e -> assertThat(e.status()).isEqualTo(400));
        }
    }
}

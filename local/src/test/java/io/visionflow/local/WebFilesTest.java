package io.visionflow.local;

import io.visionflow.api.WebFiles;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The flow builder's files at {@code /} of the local server, beside the API and never in its way:
 * only GET/HEAD of paths no route has, plain names only, with a content security policy.
 */
class WebFilesTest {

    private static HttpResponse<String> get(TestServer s, String path) throws Exception {
        return s.send(HttpRequest.newBuilder(s.uri(path)).GET().build());
    }

    @Test
    void servesThePageAndItsAssets() throws Exception {
        TestServer.run(s -> {
            HttpResponse<String> page = get(s, "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("content-security-policy")).hasValue(WebFiles.CSP);
            assertThat(page.body()).contains("<script type=\"module\" src=\"assets/app.js\">");
            assertThat(get(s, "/index.html").body()).isEqualTo(page.body());
            HttpResponse<String> js = get(s, "/assets/app.js");
            assertThat(js.statusCode()).isEqualTo(200);
            assertThat(js.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
            // it talks to the API with the paths of DESIGN section 1, and to nothing else
            assertThat(js.body()).contains("/flows/v2/process", "/account/v2/usage").doesNotContain("https://");
            assertThat(get(s, "/assets/app.css").headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
            HttpResponse<String> head = s.send(HttpRequest.newBuilder(s.uri("/")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
        });
    }

    @Test
    void neverShadowsTheApiNorServesWhatIsNotAFileOfThePage() throws Exception {
        TestServer.run(s -> {
            // API paths answer as the API does, with and without a token
            HttpResponse<String> flows = get(s, "/flows/v2/flow/");
            assertThat(flows.statusCode()).isEqualTo(401);
            assertThat(flows.headers().firstValue("content-type")).hasValue("application/json");
            assertThat(s.send(s.request("/flows/v2/flow").GET().build()).statusCode()).isEqualTo(200);
            // a method the page does not use on its paths is the API's 404, as before
            assertThat(s.send(s.request("/").POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode()).isEqualTo(404);
            for (String path : new String[]{"/assets/", "/assets/missing.js", "/%2e%2e/pom.xml",
                    "/.visionflow-stamp", "/web/index.html", "/io/visionflow/local/Main.class", "/demo/faces-and-text.json"}) {
                HttpResponse<String> r = get(s, path);
                assertThat(r.statusCode()).as(path).isEqualTo(404);
                assertThat(r.headers().firstValue("content-type")).as(path).hasValue("application/json");
            }
        });
    }

    @Test
    void aServerWithoutThePageIsTheApiAlone() throws Exception {
        TestServer.run(c -> c.web = null, s -> assertThat(get(s, "/").statusCode()).isEqualTo(404));
    }
}

package io.visionflow.local;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local server at the level of bytes on the wire, as clients other than Java's send them:
 * several requests on one connection, HTTP/1.0, {@code Expect: 100-continue} (curl sends it for
 * bodies over 1 MB), HEAD, and requests that are not HTTP at all.
 */
class LocalServerWireTest {
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(c -> { }, io.visionflow.net.OutboundPolicy.publicOnly());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** One answer read off the wire: status line, headers (names lower case) and body. */
    record Answer(String statusLine, List<String> headers, String body) {
        int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }

        String header(String name) {
            return headers.stream().filter(h -> h.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ":"))
                    .map(h -> h.substring(h.indexOf(':') + 1).strip()).findFirst().orElse(null);
        }
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.server.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one answer; {@code head} for the answer to a HEAD, which has a length but no body. */
    private static Answer read(InputStream in, boolean head) throws IOException {
        String statusLine = line(in);
        List<String> headers = new ArrayList<>();
        for (String h; !(h = line(in)).isEmpty(); ) {
            headers.add(h);
        }
        Answer partial = new Answer(statusLine, headers, "");
        String length = partial.header("Content-Length");
        int n = head || length == null ? 0 : Integer.parseInt(length);
        return new Answer(statusLine, headers, new String(in.readNBytes(n), StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed; read so far: " + b);
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static String get(String path, String version, String extra) {
        return "GET " + path + " " + version + "\r\nHost: localhost\r\nAuthorization: Token " + TestServer.TOKEN + "\r\n"
                + extra + "\r\n";
    }

    @Test
    void requestsFollowEachOtherOnOneConnection() throws Exception {
        try (Socket socket = connect()) {
            // sent at once, before any answer: answered in order on the same connection
            send(socket, get("/flows/v2/flow/faces-and-text", "HTTP/1.1", "") + get("/flows/v2/flow/?page_size=1", "HTTP/1.1", "")
                    + get("/no/such/thing", "HTTP/1.1", ""));
            InputStream in = socket.getInputStream();
            Answer flow = read(in, false);
            assertThat(flow.status()).isEqualTo(200);
            assertThat(flow.body()).contains("\"id\":\"faces-and-text\"");
            assertThat(flow.header("X-Request-Id")).isNotBlank();
            assertThat(flow.header("Date")).isNotBlank();
            assertThat(read(in, false).body()).contains("\"count\"");
            Answer missing = read(in, false);
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.body()).contains("\"code\":404");
        }
    }

    @Test
    void http10ClientsGetTheirAnswerAndTheConnectionEndsUnlessTheyAskToKeepIt() throws Exception {
        try (Socket socket = connect()) {
            send(socket, get("/flows/v2/flow/faces-and-text", "HTTP/1.0", ""));
            Answer a = read(socket.getInputStream(), false);
            assertThat(a.status()).isEqualTo(200);
            assertThat(socket.getInputStream().read()).as("closed after the answer").isEqualTo(-1);
        }
        try (Socket socket = connect()) {
            send(socket, get("/flows/v2/flow/faces-and-text", "HTTP/1.0", "Connection: keep-alive\r\n"));
            Answer a = read(socket.getInputStream(), false);
            assertThat(a.header("Connection")).isEqualToIgnoringCase("keep-alive");
            send(socket, get("/flows/v2/flow/faces-and-text", "HTTP/1.0", ""));
            assertThat(read(socket.getInputStream(), false).status()).isEqualTo(200);
        }
    }

    @Test
    void expectContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
        String body = "{\"name\": \"x\", \"top_node\": {\"type\": \"recognition\", \"id\": \"r\", \"task\": \"face-detector\","
                + " \"output_field\": \"r\"}}";
        try (Socket socket = connect()) {
            send(socket, "POST /flows/v2/validate HTTP/1.1\r\nHost: localhost\r\nAuthorization: Token " + TestServer.TOKEN
                    + "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n");
            InputStream in = socket.getInputStream();
            Answer proceed = read(in, false);
            assertThat(proceed.status()).isEqualTo(100);
            send(socket, body);
            Answer answer = read(in, false);
            // the body reached the API, which read the flow and found it wrong
            assertThat(answer.status()).as(answer.body()).isEqualTo(400);
            assertThat(answer.body()).contains("top_node.task", "is a detection task");
        }
    }

    @Test
    void headAnswersTheLengthWithoutABody() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "HEAD /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n" + get("/flows/v2/flow/faces-and-text", "HTTP/1.1", ""));
            InputStream in = socket.getInputStream();
            Answer head = read(in, true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(Integer.parseInt(head.header("Content-Length"))).isPositive();
            // had the HEAD carried its body, this would read HTML instead of the next answer
            Answer next = read(in, false);
            assertThat(next.statusLine()).startsWith("HTTP/1.1 200");
            assertThat(next.body()).contains("faces-and-text");
        }
    }

    @Test
    void whatIsNotHttpGetsA400EnvelopeAndTheConnectionCloses() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /flows/v2/flow/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: lots\r\n\r\n");
            InputStream in = socket.getInputStream();
            Answer a = read(in, false);
            assertThat(a.status()).isEqualTo(400);
            assertThat(a.body()).contains("\"code\":400", "malformed HTTP request");
            assertThat(a.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(in.read()).isEqualTo(-1);
        }
        try (Socket socket = connect()) {
            send(socket, "this is not http at all\r\n\r\n");
            Answer a = read(socket.getInputStream(), false);
            assertThat(a.status()).isEqualTo(400);
        }
    }

    @Test
    void aClientThatHangsUpMidBodyIsLoggedAndTheServerGoesOn() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "POST /flows/v2/validate HTTP/1.1\r\nHost: localhost\r\nAuthorization: Token " + TestServer.TOKEN
                    + "\r\nContent-Length: 1000\r\n\r\n{\"name\"");
        }
        // the server is still there for the next client, and logged the one that left
        try (Socket socket = connect()) {
            send(socket, get("/flows/v2/flow/faces-and-text", "HTTP/1.1", ""));
            assertThat(read(socket.getInputStream(), false).status()).isEqualTo(200);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.accessLog.stream().noneMatch(l -> l.contains("\"failure\"")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.accessLog).anyMatch(l -> l.contains("/flows/v2/validate") && l.contains("\"failure\""));
    }

    @Test
    void oneConnectionOverTheBoundIsAnswered503AndTheOthersStillServe() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < LocalServer.MAX_CONNECTIONS; i++) {
                held.add(connect());
            }
            try (Socket extra = connect()) {
                Answer busy = read(extra.getInputStream(), false);
                assertThat(busy.status()).isEqualTo(503);
                assertThat(busy.header("Retry-After")).isEqualTo("1");
                assertThat(busy.header("Connection")).isEqualToIgnoringCase("close");
                assertThat(busy.body()).contains("\"code\":503", "connections are open");
            }
            // a held connection is served as any other
            send(held.get(0), get("/flows/v2/flow/faces-and-text", "HTTP/1.1", ""));
            assertThat(read(held.get(0).getInputStream(), false).status()).isEqualTo(200);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        // the slots come back as the server sees the connections end; the other tests need them
        long deadline = System.nanoTime() + 10_000_000_000L;
        int status = 0;
        while (status != 200 && System.nanoTime() < deadline) {
            try (Socket socket = connect()) {
                send(socket, get("/flows/v2/flow/faces-and-text", "HTTP/1.1", ""));
                status = read(socket.getInputStream(), false).status();
            }
        }
        assertThat(status).isEqualTo(200);
    }
}

package io.visionflow.net;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A CONNECT proxy on loopback that tunnels to one address only. {@link PinnedClient} points an
 * {@code HttpClient} at it for https: the client asks for {@code CONNECT host:port}, the tunnel
 * connects to the address that was checked for that host, and TLS then runs end to end between the
 * client and the server, so SNI and hostname verification use the host name as usual. No name is
 * resolved here; a CONNECT for any other authority is refused.
 */
final class ConnectTunnel implements AutoCloseable {
    private static final int MAX_HEAD = 8 * 1024;
    private static final byte[] ESTABLISHED =
            "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final String authority;
    private final InetSocketAddress target;
    private final int connectTimeoutMillis;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile IOException connectFailure;

    ConnectTunnel(String host, int port, InetAddress pinned, int connectTimeoutMillis) throws IOException {
        this.authority = (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host).toLowerCase(Locale.ROOT)
                + ":" + port;
        this.target = new InetSocketAddress(pinned, port);
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("pinned-tunnel-" + server.getLocalPort()).start(this::acceptLoop);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** Why the last connection to the pinned address failed, or null. */
    IOException connectFailure() {
        return connectFailure;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            sockets.add(client);
            Thread.ofVirtual().start(() -> serve(client));
        }
    }

    private void serve(Socket client) {
        Socket upstream = new Socket();
        sockets.add(upstream);
        try {
            client.setSoTimeout(connectTimeoutMillis);
            String[] request = readHead(client.getInputStream()).split(" ", 3);
            OutputStream toClient = client.getOutputStream();
            if (request.length < 3 || !request[0].equals("CONNECT") || !request[1].equalsIgnoreCase(authority)) {
                toClient.write(status("403 Forbidden"));
                return;
            }
            try {
                upstream.connect(target, connectTimeoutMillis);
            } catch (IOException e) {
                connectFailure = e;
                toClient.write(status(e instanceof SocketTimeoutException ? "504 Gateway Timeout" : "502 Bad Gateway"));
                return;
            }
            connectFailure = null;
            client.setSoTimeout(0);
            toClient.write(ESTABLISHED);
            toClient.flush();
            Thread.ofVirtual().start(() -> pipe(upstream, client));
            pipe(client, upstream);
        } catch (IOException e) {
            close(client, upstream);
        } finally {
            if (!upstream.isConnected()) {
                close(client, upstream);
            }
        }
    }

    /** Copies until either side ends, then closes both: the other direction has nothing left to do. */
    private void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // one side hung up
        } finally {
            close(from, to);
        }
    }

    private void close(Socket... pair) {
        for (Socket s : pair) {
            sockets.remove(s);
            try {
                s.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }

    /** The request line of the CONNECT, after reading its head up to the blank line. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0 || head.size() >= MAX_HEAD) {
                throw new IOException("incomplete CONNECT request");
            }
            head.write(c);
            matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        return text.substring(0, text.indexOf('\r'));
    }

    private static byte[] status(String status) {
        return ("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // nothing to do
        }
        sockets.forEach(this::close);
    }
}

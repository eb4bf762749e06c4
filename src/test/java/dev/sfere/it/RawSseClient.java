package dev.sfere.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An SSE client on a bare socket, so a test can make it vanish the way a closed browser tab does: the socket is
 * closed without any goodbye at the HTTP level. Keeps the raw lines it reads.
 */
final class RawSseClient implements AutoCloseable {

    private final Socket socket;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    RawSseClient(URI base, String path) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /" + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        reader = new Thread(() -> {
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // The socket was closed by the test.
            }
        }, "raw-sse-client");
        reader.setDaemon(true);
        reader.start();
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    boolean saw(String line) {
        return lines.contains(line);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package dev.sfere.example.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Lobby streams opened over raw sockets that never read a byte, as a hostile client would hold them: each socket has
 * a 4 KiB receive buffer, so once the server's send buffer is full too, the server's writes to it block.
 */
final class StalledSockets implements AutoCloseable {

    static final int RECEIVE_BUFFER = 4 * 1024;

    private final List<Socket> sockets = new ArrayList<>();

    private StalledSockets() {
    }

    /**
     * Sends {@code GET /api/lobby/{user}/events} for each user, each on a socket of its own, and reads nothing.
     *
     * @throws IOException if a socket cannot connect or send; those opened already are closed
     */
    static StalledSockets open(URI base, List<String> users) throws IOException {
        StalledSockets stalled = new StalledSockets();
        try {
            for (String user : users) {
                Socket socket = new Socket();
                stalled.sockets.add(socket);
                // Before connecting, so that the window the client offers is small from the start.
                socket.setReceiveBufferSize(RECEIVE_BUFFER);
                socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
                OutputStream out = socket.getOutputStream();
                out.write(("GET /api/lobby/" + user + "/events HTTP/1.1\r\nHost: " + base.getHost() + "\r\n"
                        + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            stalled.close();
            throw e;
        }
        return stalled;
    }

    @Override
    public void close() {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing is all that is left to do with it.
            }
        }
        sockets.clear();
    }
}

package dev.sfere.example.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on a free loopback port in front of a server, which the test controls: a client that goes through
 * it can have its connections cut, as a network blip cuts them, and be kept from connecting again for a while,
 * while clients that reach the server directly are not touched. Bytes are copied as they come, both ways. Each
 * connection gets two threads of its own. Thread-safe.
 */
final class TcpRelay implements AutoCloseable {

    /** Where new connections go; changed by {@link #retarget}, as a load balancer moves to another server. */
    private volatile InetSocketAddress target;
    private final ServerSocket listener;
    private final Thread acceptor;
    /** Every connection open through the relay. */
    private final List<Link> open = new ArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean refusing;
    private volatile boolean closed;

    /**
     * Starts relaying to a server.
     *
     * @param server the server's base URI; its host and port are connected to
     */
    TcpRelay(URI server) throws IOException {
        target = new InetSocketAddress(server.getHost(), server.getPort());
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "e2e-relay-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The base URI to give a client instead of the server's. */
    URI base() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/");
    }

    /** How many connections the relay has closed as soon as they came, while refusing. */
    int refused() {
        return refused.get();
    }

    /**
     * Cuts every connection open through the relay now, both sides (the server's next writes fail), and, while
     * {@code refuse} is true, closes each new connection as soon as it is accepted (the client sees a network error
     * and tries again later).
     *
     * @return how many connections were cut
     */
    int cut(boolean refuse) {
        refusing = refuse;
        List<Link> links = takeLinks();
        links.forEach(link -> {
            closeQuietly(link.client());
            closeQuietly(link.server());
        });
        return links.size();
    }

    /**
     * As {@link #cut}, but only the client's side is closed: what the server goes on sending is read and dropped, as
     * when the network between them fails and the server has not noticed. The server's side closes when the server
     * closes it.
     *
     * @return how many connections were cut
     */
    int cutClientSide(boolean refuse) {
        refusing = refuse;
        List<Link> links = takeLinks();
        links.forEach(link -> {
            link.severed = true;
            closeQuietly(link.client());
        });
        return links.size();
    }

    private List<Link> takeLinks() {
        synchronized (open) {
            List<Link> links = List.copyOf(open);
            open.clear();
            return links;
        }
    }

    /**
     * Sends new connections to another server from now on, as a load balancer does when one goes away; connections
     * open already are left as they are.
     *
     * @param server the server's base URI
     */
    void retarget(URI server) {
        target = new InetSocketAddress(server.getHost(), server.getPort());
    }

    /** Lets new connections through again. */
    void restore() {
        refusing = false;
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            if (refusing) {
                refused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            Socket server = new Socket();
            try {
                server.connect(target, 5000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(server);
                continue;
            }
            Link link = new Link(client, server);
            synchronized (open) {
                open.add(link);
            }
            pump(link, client, server, "up");
            pump(link, server, client, "down");
        }
    }

    /** One connection through the relay; severed once its client side was cut and the server's is left open. */
    private static final class Link {
        private final Socket client;
        private final Socket server;
        private volatile boolean severed;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        Socket client() {
            return client;
        }

        Socket server() {
            return server;
        }
    }

    private void pump(Link link, Socket from, Socket to, String direction) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                    if (link.severed) {
                        // The client's side is gone: what the server sends is dropped, and the server not told.
                        continue;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // Cut by the test, or closed by either end.
            } finally {
                // A client's side cut on purpose leaves the server's open, until the server closes it.
                if (!(link.severed && from == link.client())) {
                    closeQuietly(link.client());
                    closeQuietly(link.server());
                    synchronized (open) {
                        open.remove(link);
                    }
                }
            }
        }, "e2e-relay-" + direction + "-" + from.getPort());
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing a socket that is gone already.
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        cut(true);
    }
}

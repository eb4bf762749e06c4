package dev.sfere.example.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where things are, as the e2e profile passes them in system properties, and a few shared helpers. */
final class E2eSettings {

    private E2eSettings() {
    }

    static Path path(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set; run the tests with -Pe2e");
        }
        return Path.of(value);
    }

    /** The folder for logs, screenshots and timings, created if needed. */
    static Path out() {
        Path out = path("e2e.out");
        try {
            return Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A port free on the loopback interface right now. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends a line to the timings file and prints it. */
    static void record(String line) {
        System.out.println("[e2e] " + line);
        try {
            Files.writeString(out().resolve("timings.txt"), line + System.lineSeparator(),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

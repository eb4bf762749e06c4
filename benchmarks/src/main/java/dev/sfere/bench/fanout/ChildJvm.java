package dev.sfere.bench.fanout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM of this class path running one of the harness's children, driven one line at a time over its standard
 * input and output; its error output goes to ours. Closing its input tells it to end, which each child does; one
 * that has not ended 30 s later is destroyed. Not thread-safe: one driving thread.
 */
final class ChildJvm implements AutoCloseable {

    private final String name;
    private final Process process;
    private final BufferedReader in;
    private final PrintWriter out;

    /**
     * @param name      what the child is, for messages
     * @param jvmArgs   options of the JVM, such as {@code -Xmx1g}
     * @param mainClass the child's class
     * @param args      its arguments
     */
    ChildJvm(String name, List<String> jvmArgs, Class<?> mainClass, List<String> args) throws IOException {
        this.name = name;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        out = new PrintWriter(process.getOutputStream(), true, StandardCharsets.US_ASCII);
    }

    long pid() {
        return process.pid();
    }

    /** Sends one command line without waiting for an answer. */
    void send(String command) {
        out.println(command);
    }

    /** The child's next line. */
    String read() throws IOException {
        String line = in.readLine();
        if (line == null) {
            throw new IllegalStateException(name + " ended; see its error output above");
        }
        return line;
    }

    /** Sends a command and returns the answer line. */
    String ask(String command) throws IOException {
        send(command);
        return read();
    }

    /** The next line, which must start with {@code word}; returns the words after it. */
    String[] expect(String word) throws IOException {
        String line = read();
        String[] words = line.split(" ");
        if (!words[0].equals(word)) {
            throw new IllegalStateException(name + " said " + line + " instead of " + word);
        }
        return java.util.Arrays.copyOfRange(words, 1, words.length);
    }

    @Override
    public void close() {
        out.close();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts a daemon thread that ends this JVM after {@code minutes}, for a child whose parent may never end it, or
     * a harness that may stall; interrupting the thread calls it off.
     */
    static Thread watchdog(String name, long minutes) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(minutes));
                System.err.println(name + ": still running after " + minutes + " minutes; giving up");
                Runtime.getRuntime().halt(2);
            } catch (InterruptedException ignored) {
                // Ended in time.
            }
        }, name + "-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        return watchdog;
    }
}

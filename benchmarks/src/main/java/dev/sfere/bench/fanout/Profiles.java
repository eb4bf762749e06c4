package dev.sfere.bench.fanout;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a server's CPU went, from a flight recording ({@link Capacity}, {@link ResumeStorm}): execution samples by
 * thread (the library's {@code sfere-delivery} threads, Grizzly's, {@code main}, others) and by the owner of the
 * innermost frame outside the JDK ({@link Capacity#owner}: who called into the JDK's socket writes, say); and the
 * shares of them inside Jersey's {@code SseEventSink.send} and inside a Jersey or Grizzly {@code flush}.
 */
final class Profiles {

    /** The columns of {@link #rows}, for a CSV header. */
    static final String COLUMNS = "threads,owner,samples,share,in_jersey_send,in_flush";

    private Profiles() {
    }

    /** One line of {@link #COLUMNS} per thread group and owner, by name. */
    static List<String> rows(Path recording) throws IOException {
        Map<String, long[]> counts = new TreeMap<>();
        long all = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            String thread = event.getThread("sampledThread") == null ? ""
                    : event.getThread("sampledThread").getJavaName();
            String threads = thread.startsWith("sfere-delivery") ? "sfere-delivery"
                    : thread.startsWith("Grizzly") || thread.startsWith("grizzly") ? "grizzly"
                    : thread.equals("main") ? "main" : "other";
            String owner = "jdk";
            boolean send = false;
            boolean flush = false;
            for (RecordedFrame frame : event.getStackTrace().getFrames()) {
                String type = frame.getMethod().getType().getName();
                String method = frame.getMethod().getName();
                if (owner.equals("jdk")) {
                    owner = Capacity.owner(type);
                }
                send |= type.startsWith("org.glassfish.jersey.media.sse.") && method.equals("send");
                flush |= type.startsWith("org.glassfish.") && method.equals("flush");
            }
            long[] c = counts.computeIfAbsent(threads + "," + owner, k -> new long[3]);
            c[0]++;
            c[1] += send ? 1 : 0;
            c[2] += flush ? 1 : 0;
            all++;
        }
        List<String> rows = new ArrayList<>();
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            long[] c = e.getValue();
            rows.add(String.format(Locale.ROOT, "%s,%d,%.4f,%.4f,%.4f", e.getKey(), c[0], (double) c[0] / all,
                    (double) c[1] / c[0], (double) c[2] / c[0]));
        }
        return rows;
    }
}

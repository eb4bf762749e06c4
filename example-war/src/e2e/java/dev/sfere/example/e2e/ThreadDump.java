package dev.sfere.example.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A {@code jcmd <pid> Thread.print} of a server JVM, taken apart thread by thread. */
record ThreadDump(String text, List<Entry> threads) {

    /** The frame of the library's delivery write ({@code engine.Stream.write}), which calls the sink's send. */
    static final String DELIVERY_WRITE = "at dev.sfere.engine.Stream.write(";

    /**
     * One thread: its name, its header line, its state ({@code WAITING (parking)} and the like; empty for the JVM's
     * own threads, which have none) and its stack, one line per frame or lock, in the dump's order.
     */
    record Entry(String name, String header, String state, List<String> stack) {

        boolean has(String frame) {
            return stack.stream().anyMatch(line -> line.contains(frame));
        }

        /** The thread as the dump printed it, its first {@code frames} stack lines at most. */
        String show(int frames) {
            StringBuilder text = new StringBuilder(header).append('\n');
            if (!state.isEmpty()) {
                text.append("   java.lang.Thread.State: ").append(state).append('\n');
            }
            stack.stream().limit(frames).forEach(line -> text.append('\t').append(line).append('\n'));
            if (stack.size() > frames) {
                text.append("\t... ").append(stack.size() - frames).append(" more\n");
            }
            return text.toString();
        }
    }

    static ThreadDump parse(String text) {
        List<Entry> threads = new ArrayList<>();
        String name = null;
        String header = null;
        String state = "";
        List<String> stack = new ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("\"") && line.indexOf('"', 1) > 0) {
                if (name != null) {
                    threads.add(new Entry(name, header, state, List.copyOf(stack)));
                }
                name = line.substring(1, line.indexOf('"', 1));
                header = line;
                state = "";
                stack.clear();
            } else if (name != null && line.strip().startsWith("java.lang.Thread.State: ")) {
                state = line.strip().substring("java.lang.Thread.State: ".length());
            } else if (name != null && (line.startsWith("\tat ") || line.startsWith("\t- "))) {
                stack.add(line.substring(1));
            }
        }
        if (name != null) {
            threads.add(new Entry(name, header, state, List.copyOf(stack)));
        }
        return new ThreadDump(text, List.copyOf(threads));
    }

    /** The threads in the middle of a delivery write of the library's. */
    List<Entry> deliveryWrites() {
        return threads.stream().filter(thread -> thread.has(DELIVERY_WRITE)).toList();
    }

    /**
     * How many threads there are of each kind: the name with its digits taken out ({@code sfere-delivery-#}), so
     * that two dumps can be compared kind by kind.
     */
    Map<String, Integer> kinds() {
        Map<String, Integer> kinds = new TreeMap<>();
        for (Entry thread : threads) {
            kinds.merge(thread.name().replaceAll("[0-9]+", "#"), 1, Integer::sum);
        }
        return kinds;
    }
}

package dev.sfere.quarkus;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/** The text of a failed build: every message in the chain of causes and suppressed exceptions. */
final class Failures {

    private Failures() {
    }

    static String text(Throwable failure) {
        StringBuilder text = new StringBuilder();
        collect(failure, text, Collections.newSetFromMap(new IdentityHashMap<>()));
        return text.toString();
    }

    private static void collect(Throwable t, StringBuilder text, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        collect(t.getCause(), text, seen);
        for (Throwable s : t.getSuppressed()) {
            collect(s, text, seen);
        }
    }
}

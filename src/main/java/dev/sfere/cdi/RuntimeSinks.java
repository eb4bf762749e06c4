package dev.sfere.cdi;

import jakarta.ws.rs.sse.SseEventSink;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What one runtime's sink needs before the library's threads may write to it. Quarkus REST (3.33) sends an SSE
 * response's headers only after the resource method has returned, from the request's thread, checking whether they
 * went out without a lock: a first event written meanwhile from a delivery thread sends them too, and one of the two
 * fails ("Response head already sent"), ending the stream. So, on that runtime, the interceptor has the request's
 * thread send them at once (the sink's own {@code sendInitialResponse}, which the runtime calls next and which then
 * does nothing), before the stream is opened to delivery. Other runtimes' sinks are left alone.
 */
final class RuntimeSinks {

    private static final Logger LOG = Logger.getLogger(RuntimeSinks.class.getName());
    private static final String QUARKUS_REST_SINK = "org.jboss.resteasy.reactive.server.jaxrs.SseEventSinkImpl";
    /** Whether the warning below was given: once is enough to tell an operator. */
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private RuntimeSinks() {
    }

    /**
     * Readies a sink for writes from other threads, on the request's thread.
     *
     * @param sink the request's sink
     */
    static void ready(SseEventSink sink) {
        if (!sink.getClass().getName().equals(QUARKUS_REST_SINK)) {
            return;
        }
        try {
            Field context = sink.getClass().getDeclaredField("context");
            context.setAccessible(true);
            Object request = context.get(sink);
            Object response = request.getClass().getMethod("serverResponse").invoke(request);
            for (Method method : sink.getClass().getMethods()) {
                if (method.getName().equals("sendInitialResponse") && method.getParameterCount() == 1) {
                    method.invoke(sink, response);
                    return;
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Another Quarkus REST than the one this was written for: a first event written before the runtime sends
            // the headers may end the stream, so say so.
            if (WARNED.compareAndSet(false, true)) {
                LOG.log(Level.WARNING, "Sfere: could not send the SSE headers of a " + QUARKUS_REST_SINK
                        + " on the request's thread; a stream's first event may race with them", e);
            }
        }
    }
}

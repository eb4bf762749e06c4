package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.ws.rs.sse.SseEventSink;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registers the sink of an {@link SfereKey} method under its key before the method runs, and takes it out again
 * if the method throws; on a method without a sink, marks the key active.
 */
@SfereKey(category = "", id = "")
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE + 100)
class SfereKeyInterceptor {

    private static final Map<Method, KeyTemplate> TEMPLATES = new ConcurrentHashMap<>();

    private final ConnectionLifecycle lifecycle;
    private final ConnectionStore store;
    private final ScopeResolver scopes;

    @Inject
    SfereKeyInterceptor(ConnectionLifecycle lifecycle, ConnectionStore store, ScopeResolver scopes) {
        this.lifecycle = lifecycle;
        this.store = store;
        this.scopes = scopes;
    }

    @AroundInvoke
    Object register(InvocationContext invocation) throws Exception {
        KeyTemplate template = TEMPLATES.computeIfAbsent(invocation.getMethod(), KeyTemplate::of);
        Object[] arguments = invocation.getParameters();
        ConnectionKey key = template.key(scopes.scope(), arguments);
        SseEventSink sink = template.sink(arguments);
        if (sink == null) {
            store.touch(key);
            return invocation.proceed();
        }
        Connection connection = lifecycle.register(key, sink);
        Object result;
        try {
            result = invocation.proceed();
        } catch (Exception | Error e) {
            lifecycle.onRequestFailed(connection);
            throw e;
        }
        connection.opened();
        return result;
    }
}

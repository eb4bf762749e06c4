package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import dev.sfere.engine.Engine;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * Registers the sink of an {@link SfereKey} method under its key before the method runs, and takes it out again
 * if the method throws; on a method without a sink, marks the key active. The method's template was parsed at
 * deployment by the extension, which keeps it.
 */
@Registering
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE + 100)
class SfereKeyInterceptor {

    private final ConnectionLifecycle lifecycle;
    private final ConnectionStore store;
    private final ScopeResolver scopes;
    private final SfereExtension extension;

    @Inject
    SfereKeyInterceptor(ConnectionLifecycle lifecycle, ConnectionStore store, ScopeResolver scopes,
                        SfereExtension extension) {
        this.lifecycle = lifecycle;
        this.store = store;
        this.scopes = scopes;
        this.extension = extension;
    }

    @AroundInvoke
    Object register(InvocationContext invocation) throws Exception {
        KeyTemplate template = extension.template(invocation.getMethod());
        Object[] arguments = invocation.getParameters();
        ConnectionKey key = template.key(scopes.scope(), arguments);
        SseEventSink sink = template.sink(arguments);
        if (sink == null) {
            store.touch(key);
            return invocation.proceed();
        }
        Engine engine = lifecycle.engine();
        Connection connection = engine.register(key, sink);
        Object result;
        try {
            result = invocation.proceed();
        } catch (Exception | Error e) {
            engine.requestFailed(connection);
            throw e;
        }
        engine.opened(connection);
        return result;
    }
}

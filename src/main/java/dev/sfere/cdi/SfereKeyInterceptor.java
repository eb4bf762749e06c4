package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import dev.sfere.engine.Engine;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * Registers the sink of an {@link SfereKey} method under its key before the method runs, new or resumed from the
 * client's last event id, and takes it out again if the method throws; answers {@code 204 No Content}, registering
 * nothing, to a client whose stream the library ended on purpose; on a method without a sink, marks the key active.
 * The method's template was checked at deployment by the extension; {@link KeyTemplates} keeps it parsed.
 */
@Registering
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE + 100)
class SfereKeyInterceptor {

    private final ConnectionLifecycle lifecycle;
    private final ConnectionStore store;
    private final ScopeResolver scopes;
    private final KeyTemplates templates;
    private final LastEventIds lastEventIds;

    @Inject
    SfereKeyInterceptor(ConnectionLifecycle lifecycle, ConnectionStore store, ScopeResolver scopes,
                        KeyTemplates templates, Instance<Object> beans) {
        this.lifecycle = lifecycle;
        this.store = store;
        this.scopes = scopes;
        this.templates = templates;
        this.lastEventIds = new LastEventIds(beans);
    }

    @AroundInvoke
    Object register(InvocationContext invocation) throws Exception {
        KeyTemplate template = templates.of(invocation.getMethod());
        Object[] arguments = invocation.getParameters();
        ConnectionKey key = template.key(scopes.scope(), arguments);
        SseEventSink sink = template.sink(arguments);
        if (sink == null) {
            store.touch(key);
            return invocation.proceed();
        }
        Engine engine = lifecycle.engine();
        String lastEventId = lastEventIds.of(invocation.getMethod(), arguments);
        if (engine.ended(key, lastEventId)) {
            // The client's stream was ended on purpose and its EventSource reconnected by itself: 204 stops it for
            // good, and nothing is registered.
            throw new WebApplicationException(Response.noContent().build());
        }
        Connection connection = engine.register(key, sink, lastEventId);
        Object result;
        try {
            result = invocation.proceed();
        } catch (Exception | Error e) {
            engine.requestFailed(connection);
            throw e;
        }
        RuntimeSinks.ready(sink);
        engine.opened(connection);
        return result;
    }
}

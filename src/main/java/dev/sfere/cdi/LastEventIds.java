package dev.sfere.cdi;

import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.UriInfo;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Finds the id of the last event a reconnecting client received: the {@code Last-Event-ID} header, which
 * {@code EventSource} sends by itself, or else a {@code lastEventId} query parameter, for clients that cannot set
 * headers. Runtimes differ in how a CDI interceptor can see the request, so this looks, in order, at:
 * <ol>
 *   <li>a parameter of the {@code @SfereKey} method that carries either (for example
 *       {@code @HeaderParam("Last-Event-ID") String lastEventId});</li>
 *   <li>the JAX-RS request through CDI ({@code @Inject HttpHeaders} and {@code UriInfo}, which RESTEasy, Quarkus
 *       REST and Jersey with its {@code jersey-cdi-rs-inject} module provide);</li>
 *   <li>the servlet request through CDI, which every servlet container's CDI provides (Open Liberty, Payara,
 *       WildFly).</li>
 * </ol>
 */
final class LastEventIds {

    private static final Logger LOG = Logger.getLogger(LastEventIds.class.getName());
    /** The header {@code EventSource} sends on a reconnect. */
    static final String HEADER = HttpHeaders.LAST_EVENT_ID_HEADER;
    /** The query parameter for clients that cannot set headers. */
    static final String QUERY = "lastEventId";

    private final Instance<Object> beans;
    /**
     * The servlet request's type, or null where the Servlet API is absent: looked up once per class loader of the
     * library, not per request (a failed lookup costs a thrown exception, 11–13% of the request threads' time in the
     * resume storm on Grizzly).
     */
    private static final Class<?> SERVLET_REQUEST = servletRequestClass();

    LastEventIds(Instance<Object> beans) {
        this.beans = beans;
    }

    /**
     * The id the client of the current request presented, or null.
     *
     * @param method    the {@code @SfereKey} method
     * @param arguments its arguments
     * @return the id, or null for none (an empty value counts as none)
     */
    String of(Method method, Object[] arguments) {
        String fromArguments = fromArguments(method, arguments);
        if (fromArguments != null) {
            return blankToNull(fromArguments);
        }
        try {
            Instance<HttpHeaders> headers = beans.select(HttpHeaders.class);
            if (headers.isResolvable()) {
                String header = headers.get().getHeaderString(HEADER);
                if (header != null) {
                    return blankToNull(header);
                }
                Instance<UriInfo> uri = beans.select(UriInfo.class);
                return uri.isResolvable() ? blankToNull(uri.get().getQueryParameters().getFirst(QUERY)) : null;
            }
            if (SERVLET_REQUEST != null) {
                Class<?> servletRequest = SERVLET_REQUEST;
                Instance<?> request = beans.select(servletRequest);
                if (request.isResolvable()) {
                    Object current = request.get();
                    String header = (String) servletRequest.getMethod("getHeader", String.class)
                            .invoke(current, HEADER);
                    return blankToNull(header != null ? header : (String) servletRequest
                            .getMethod("getParameter", String.class).invoke(current, QUERY));
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.FINE, "Sfere: the request's last event id could not be read; the stream starts new", e);
        }
        return null;
    }

    private static String fromArguments(Method method, Object[] arguments) {
        Annotation[][] annotations = method.getParameterAnnotations();
        String query = null;
        for (int i = 0; i < annotations.length; i++) {
            for (Annotation a : annotations[i]) {
                if (a instanceof HeaderParam h && h.value().equalsIgnoreCase(HEADER) && arguments[i] != null) {
                    return text(arguments[i]);
                }
                if (a instanceof QueryParam q && q.value().equals(QUERY) && arguments[i] != null) {
                    query = text(arguments[i]);
                }
            }
        }
        return query;
    }

    private static String text(Object argument) {
        return argument instanceof List<?> list ? (list.isEmpty() ? null : String.valueOf(list.get(0)))
                : String.valueOf(argument);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static Class<?> servletRequestClass() {
        try {
            return Class.forName("jakarta.servlet.http.HttpServletRequest", false,
                    LastEventIds.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }
}

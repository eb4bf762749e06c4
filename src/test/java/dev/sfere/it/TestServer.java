package dev.sfere.it;

import dev.sfere.cdi.SfereExtension;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.WebTarget;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.nio.ChannelConfigurator;
import org.glassfish.grizzly.nio.NIOTransport;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.jersey.ext.cdi1x.internal.CdiComponentProvider;
import org.glassfish.jersey.ext.cdi1x.internal.ProcessAllAnnotatedTypes;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpServerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.weld.se.WeldRequestScope;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The integration tests' server, as a JUnit 5 extension: Weld SE with the classes a test names and the library's
 * extension, then Jersey on Grizzly on a free loopback port, sharing Weld's BeanManager, with MicroProfile Config
 * values of the test's choosing.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestServer server = TestServer.with().beans(EventLog.class).resources(LobbyResource.class)
 *         .config("sfere.heartbeat.interval", "PT0S");
 * }</pre>
 *
 * <p>On a static field one server serves the whole class: it starts before all its tests and stops after them. On
 * an instance field each test has its own, started at its first use (so the test may add {@link #config} or
 * {@link #beans} first, and a test that never uses it boots nothing) and stopped after the test. Outside JUnit,
 * {@link #start()} and {@link #close()} do the same by hand.
 *
 * <p>One at a time: Jersey finds the container through {@code CDI.current()}, so starting a second while one runs
 * fails. It stops Grizzly before closing the JAX-RS client (the other order blocks for seconds), then Weld.
 */
final class TestServer implements BeforeAllCallback, AfterAllCallback, AfterEachCallback, AutoCloseable {

    private static final AtomicReference<TestServer> RUNNING = new AtomicReference<>();

    private final Map<String, String> properties = new HashMap<>();
    private final List<Class<?>> beans = new ArrayList<>();
    private final List<Class<?>> resources = new ArrayList<>();
    private int sendBuffer;
    private boolean perClass;

    private SmallRyeConfig config;
    private WeldContainer weld;
    private HttpServer http;
    private Client client;
    private URI base;

    private TestServer() {
    }

    /** A server to set up with the methods below. */
    static TestServer with() {
        return new TestServer();
    }

    /** Adds JAX-RS resources (and providers, such as filters), each also a bean. */
    TestServer resources(Class<?>... types) {
        notStarted();
        resources.addAll(List.of(types));
        return this;
    }

    /** Adds bean classes to the container. */
    TestServer beans(Class<?>... types) {
        notStarted();
        beans.addAll(List.of(types));
        return this;
    }

    /** Sets a MicroProfile Config value, replacing one set before. */
    TestServer config(String key, String value) {
        notStarted();
        properties.put(key, value);
        return this;
    }

    /**
     * Fixes the server's socket send buffer on every accepted connection to this many bytes, instead of the
     * kernel's, which grows to megabytes; Grizzly sizes its own queue of pending writes from it (four times). Past
     * both, a write to a client that does not read blocks.
     */
    TestServer sendBuffer(int bytes) {
        notStarted();
        sendBuffer = bytes;
        return this;
    }

    /** Starts Weld, then HTTP; does nothing when already started. */
    synchronized TestServer start() {
        if (weld != null) {
            return this;
        }
        if (!RUNNING.compareAndSet(null, this)) {
            throw new IllegalStateException("another test server is running: one container at a time");
        }
        try {
            boot();
        } catch (RuntimeException | Error e) {
            RUNNING.set(null);
            throw e;
        }
        return this;
    }

    private void boot() {
        config = registerConfig(properties);
        try {
            Weld builder = weld().addBeanClass(WeldRequestScope.class)
                    .addExtension(new CdiComponentProvider())
                    .addExtension(new ProcessAllAnnotatedTypes());
            beans.forEach(builder::addBeanClass);
            resources.forEach(builder::addBeanClass);
            weld = builder.initialize();
        } catch (RuntimeException e) {
            ConfigProviderResolver.instance().releaseConfig(config);
            throw e;
        }
        ResourceConfig app = new ResourceConfig();
        resources.forEach(app::register);
        http = GrizzlyHttpServerFactory.createHttpServer(URI.create("http://127.0.0.1:0/"), app, false);
        if (sendBuffer > 0) {
            fixSendBuffer(sendBuffer);
        }
        try {
            http.start();
        } catch (IOException e) {
            weld.close();
            weld = null;
            ConfigProviderResolver.instance().releaseConfig(config);
            throw new UncheckedIOException(e);
        }
        base = URI.create("http://127.0.0.1:" + http.getListener("grizzly").getPort() + "/");
        client = ClientBuilder.newClient();
    }

    private void fixSendBuffer(int bytes) {
        TCPNIOTransport transport = http.getListener("grizzly").getTransport();
        ChannelConfigurator defaults = transport.getChannelConfigurator();
        transport.setChannelConfigurator(new ChannelConfigurator() {
            @Override
            public void preConfigure(NIOTransport nio, SelectableChannel channel) throws IOException {
                defaults.preConfigure(nio, channel);
                if (channel instanceof SocketChannel socket) {
                    socket.socket().setSendBufferSize(bytes);
                }
            }

            @Override
            public void postConfigure(NIOTransport nio, SelectableChannel channel) throws IOException {
                defaults.postConfigure(nio, channel);
            }
        });
    }

    /** The server's address, {@code http://127.0.0.1:port/}. */
    URI base() {
        return start().base;
    }

    /** A JAX-RS client target for this path on the server. */
    WebTarget target(String path) {
        return start().client.target(base).path(path);
    }

    /** A bean of the running container. */
    <T> T bean(Class<T> type) {
        return start().weld.select(type).get();
    }

    /** Stops the CDI container only, leaving HTTP up, to watch what the application's shutdown does. */
    void stopContainer() {
        if (weld != null && weld.isRunning()) {
            weld.close();
        }
    }

    @Override
    public synchronized void close() {
        if (weld == null) {
            return;
        }
        try {
            // The server before the client: the other order blocks for seconds.
            http.shutdownNow();
            client.close();
            stopContainer();
            ConfigProviderResolver.instance().releaseConfig(config);
        } finally {
            weld = null;
            RUNNING.compareAndSet(this, null);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // Only an extension on a static field is told about the class: this one serves all its tests.
        perClass = true;
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Boots Weld (and nothing else) with these classes, to check what fails deployment, and shuts it down. */
    static void deployOnly(Map<String, String> properties, Class<?>... beans) {
        if (RUNNING.get() != null) {
            throw new IllegalStateException("a test server is running: one container at a time");
        }
        SmallRyeConfig config = registerConfig(properties);
        try {
            Weld builder = weld();
            for (Class<?> bean : beans) {
                builder.addBeanClass(bean);
            }
            builder.initialize().close();
        } finally {
            ConfigProviderResolver.instance().releaseConfig(config);
        }
    }

    /** Weld with discovery off, which also skips service-loaded extensions: the library's is added by hand. */
    private static Weld weld() {
        return new Weld().disableDiscovery().addExtension(new SfereExtension());
    }

    private static SmallRyeConfig registerConfig(Map<String, String> properties) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ConfigProviderResolver.instance().releaseConfig(ConfigProvider.getConfig(loader));
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        ConfigProviderResolver.instance().registerConfig(config, loader);
        return config;
    }

    private void notStarted() {
        if (weld != null) {
            throw new IllegalStateException("the test server has started: set it up before its first use");
        }
    }
}

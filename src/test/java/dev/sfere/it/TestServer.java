package dev.sfere.it;

import dev.sfere.cdi.SfereExtension;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import jakarta.enterprise.inject.spi.CDI;
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

import java.net.URI;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Weld SE and Jersey on Grizzly sharing one BeanManager, on a free loopback port, with MicroProfile Config values of
 * the test's choosing. One at a time: Jersey finds the container through {@code CDI.current()}.
 */
final class TestServer implements AutoCloseable {

    private final SmallRyeConfig config;
    private final WeldContainer weld;
    private final HttpServer http;
    private final Client client;
    private final URI base;

    private TestServer(Map<String, String> properties, List<Class<?>> beans, List<Class<?>> resources,
                       int sendBuffer) {
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
        } catch (java.io.IOException e) {
            weld.close();
            ConfigProviderResolver.instance().releaseConfig(config);
            throw new java.io.UncheckedIOException(e);
        }
        base = URI.create("http://127.0.0.1:" + http.getListener("grizzly").getPort() + "/");
        client = ClientBuilder.newClient();
    }

    /**
     * A fixed socket send buffer on every accepted connection, instead of the kernel's, which grows to megabytes;
     * Grizzly sizes its own queue of pending writes from it (four times). Past both, a write to a client that does
     * not read blocks.
     */
    private void fixSendBuffer(int bytes) {
        TCPNIOTransport transport = http.getListener("grizzly").getTransport();
        ChannelConfigurator defaults = transport.getChannelConfigurator();
        transport.setChannelConfigurator(new ChannelConfigurator() {
            @Override
            public void preConfigure(NIOTransport nio, SelectableChannel channel) throws java.io.IOException {
                defaults.preConfigure(nio, channel);
                if (channel instanceof SocketChannel socket) {
                    socket.socket().setSendBufferSize(bytes);
                }
            }

            @Override
            public void postConfigure(NIOTransport nio, SelectableChannel channel) throws java.io.IOException {
                defaults.postConfigure(nio, channel);
            }
        });
    }

    /** Boots Weld (and nothing else), to check what fails deployment. */
    static void deployOnly(Map<String, String> properties, Class<?>... beans) {
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

    static Builder with() {
        return new Builder();
    }

    WebTarget target(String path) {
        return client.target(base).path(path);
    }

    URI base() {
        return base;
    }

    Client client() {
        return client;
    }

    <T> T bean(Class<T> type) {
        return CDI.current().select(type).get();
    }

    /** Stops the CDI container only, leaving HTTP up, to watch what the application's shutdown does. */
    void stopContainer() {
        if (weld.isRunning()) {
            weld.close();
        }
    }

    @Override
    public void close() {
        // The server before the client: the other order blocks for seconds.
        http.shutdownNow();
        client.close();
        stopContainer();
        ConfigProviderResolver.instance().releaseConfig(config);
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

    static final class Builder {
        private final Map<String, String> properties = new HashMap<>();
        private final List<Class<?>> beans = new java.util.ArrayList<>();
        private final List<Class<?>> resources = new java.util.ArrayList<>();
        private int sendBuffer;

        Builder config(String key, String value) {
            properties.put(key, value);
            return this;
        }

        Builder beans(Class<?>... types) {
            beans.addAll(List.of(types));
            return this;
        }

        Builder resources(Class<?>... types) {
            resources.addAll(List.of(types));
            return this;
        }

        /** Fixes the server's socket send buffer, and Grizzly's queue of pending writes, to this many bytes. */
        Builder sendBuffer(int bytes) {
            sendBuffer = bytes;
            return this;
        }

        TestServer start() {
            return new TestServer(properties, beans, resources, sendBuffer);
        }
    }
}

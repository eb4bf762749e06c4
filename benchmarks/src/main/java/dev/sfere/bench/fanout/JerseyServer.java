package dev.sfere.bench.fanout;

import dev.sfere.Broadcaster;
import dev.sfere.Connections;
import dev.sfere.cdi.SfereExtension;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import jakarta.enterprise.inject.spi.CDI;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;

/**
 * The application under test: Weld SE with the Sfere extension, and Jersey on Grizzly sharing its BeanManager, on
 * a free loopback port. Jersey finds the container through {@code CDI.current()}, so one at a time.
 */
final class JerseyServer implements AutoCloseable {

    private final SmallRyeConfig config;
    private final WeldContainer weld;
    private final HttpServer http;
    private final InetSocketAddress address;

    JerseyServer(Map<String, String> properties) {
        this(properties, 0);
    }

    /**
     * @param properties MicroProfile Config values for the library
     * @param sendBuffer if above 0, the socket send buffer of every accepted connection, in bytes, instead of the
     *                   kernel's (which grows to megabytes); see {@link #fixSendBuffer}
     */
    JerseyServer(Map<String, String> properties, int sendBuffer) {
        this(properties, sendBuffer, false);
    }

    /**
     * @param properties MicroProfile Config values for the library
     * @param sendBuffer as above
     * @param metrics    whether the container holds an {@code OpenTelemetry} ({@link MeteredOpenTelemetry}), so that
     *                   the library records its metrics; without one it records none
     */
    JerseyServer(Map<String, String> properties, int sendBuffer, boolean metrics) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ConfigProviderResolver.instance().releaseConfig(ConfigProvider.getConfig(loader));
        config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "fan-out", 500))
                .build();
        ConfigProviderResolver.instance().registerConfig(config, loader);
        // Discovery off also skips service-loaded extensions: the library's is added by hand.
        Weld builder = new Weld().disableDiscovery()
                .addExtension(new SfereExtension())
                .addExtension(new CdiComponentProvider())
                .addExtension(new ProcessAllAnnotatedTypes())
                .addBeanClass(WeldRequestScope.class)
                .addBeanClass(JerseyBroadcast.class)
                .addBeanClass(FanResource.class)
                .addBeanClass(StormResource.class)
                .addBeanClass(CapacityResource.class)
                .addBeanClass(BareResource.class)
                .addBeanClass(BareSinks.class)
                .addBeanClass(Evictions.class);
        if (metrics) {
            builder.addBeanClass(MeteredOpenTelemetry.class);
        }
        weld = builder.initialize();
        http = GrizzlyHttpServerFactory.createHttpServer(URI.create("http://127.0.0.1:0/"),
                new ResourceConfig(FanResource.class, StormResource.class, CapacityResource.class,
                        BareResource.class), false);
        if (sendBuffer > 0) {
            fixSendBuffer(sendBuffer);
        }
        try {
            http.start();
        } catch (IOException e) {
            weld.close();
            ConfigProviderResolver.instance().releaseConfig(config);
            throw new UncheckedIOException(e);
        }
        address = new InetSocketAddress("127.0.0.1", http.getListener("grizzly").getPort());
    }

    /**
     * A fixed socket send buffer on every accepted connection, as the library's SlowClientIT does: by default Linux
     * grows it to about 4 MiB and Grizzly sizes its own queue of pending writes from it (four times), so a client
     * that stops reading would absorb megabytes before a write to it blocked. Linux doubles the value asked for.
     */
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

    InetSocketAddress address() {
        return address;
    }

    Broadcaster broadcaster() {
        return CDI.current().select(Broadcaster.class).get();
    }

    Connections connections() {
        return CDI.current().select(Connections.class).get();
    }

    Evictions evictions() {
        return CDI.current().select(Evictions.class).get();
    }

    /** The events the library counted as written, after a collection; only with metrics. */
    long metricsWritten() {
        return CDI.current().select(MeteredOpenTelemetry.class).get().written();
    }

    BareSinks bareSinks() {
        return CDI.current().select(BareSinks.class).get();
    }

    JerseyBroadcast jersey() {
        return CDI.current().select(JerseyBroadcast.class).get();
    }

    @Override
    public void close() {
        jersey().close();
        http.shutdownNow();
        weld.close();
        ConfigProviderResolver.instance().releaseConfig(config);
    }
}

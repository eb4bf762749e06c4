package dev.sfere.bench.fanout;

import dev.sfere.Broadcaster;
import dev.sfere.cdi.SfereExtension;
import dev.sfere.spi.ConnectionStore;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import jakarta.enterprise.inject.spi.CDI;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.jersey.ext.cdi1x.internal.CdiComponentProvider;
import org.glassfish.jersey.ext.cdi1x.internal.ProcessAllAnnotatedTypes;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpServerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.weld.se.WeldRequestScope;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;

import java.net.InetSocketAddress;
import java.net.URI;
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
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ConfigProviderResolver.instance().releaseConfig(ConfigProvider.getConfig(loader));
        config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "fan-out", 500))
                .build();
        ConfigProviderResolver.instance().registerConfig(config, loader);
        // Discovery off also skips service-loaded extensions: the library's is added by hand.
        weld = new Weld().disableDiscovery()
                .addExtension(new SfereExtension())
                .addExtension(new CdiComponentProvider())
                .addExtension(new ProcessAllAnnotatedTypes())
                .addBeanClass(WeldRequestScope.class)
                .addBeanClass(JerseyBroadcast.class)
                .addBeanClass(FanResource.class)
                .initialize();
        http = GrizzlyHttpServerFactory.createHttpServer(URI.create("http://127.0.0.1:0/"),
                new ResourceConfig(FanResource.class));
        address = new InetSocketAddress("127.0.0.1", http.getListener("grizzly").getPort());
    }

    InetSocketAddress address() {
        return address;
    }

    Broadcaster broadcaster() {
        return CDI.current().select(Broadcaster.class).get();
    }

    ConnectionStore store() {
        return CDI.current().select(ConnectionStore.class).get();
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
